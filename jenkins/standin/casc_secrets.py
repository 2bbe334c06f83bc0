"""What JCasC does with `${...}` in its YAML at boot, without Jenkins: finds every reference in the
scalar values of the configuration files and resolves it the way configuration-as-code
2117.vc05a_0b_e6b_f4e (the release jenkins/plugins.lock.json pins) does, as the user this runs as.

Read from that release's source (jenkinsci/configuration-as-code-plugin at c05a0be6):
- plugin/.../SecretSourceResolver.java: two passes of commons-text's StringSubstitutor, prefix
  `${`, suffix `}`, escape `^`, default delimiter `:-`. The first pass resolves (nested names on,
  escapes kept); the second turns `^${` into a literal `${` and sends whatever is still unresolved
  to UnresolvedLookup: a WARNING and an empty string, or, with CASC_STRICT_SECRET_RESOLUTION (or
  -Dcasc.strict.secret.resolution) true, "Unable to resolve variable ...", which stops the
  configuration. A resolved value is itself resolved again (StringSubstitutor's default).
- FixedInterpolatorStringLookup.java: `${prefix:key}` goes to the named helper (base64, file,
  readFile, fileBase64, readFileBase64, sysProp, decodeBase64, json, trim) and, if that has no
  value, to the secret sources with the whole text as the name.
- impl/secrets/DockerSecretSource.java: the file SECRETS/name (SECRETS defaults to /run/secrets),
  trimmed; a name that exists but is not a regular file, or a file that cannot be read, is an
  IOException, which stops the configuration whatever the strict setting.
- impl/secrets/EnvSecretSource.java: a system property, else an environment variable.
- Jenkins asks the secret sources in extension order, which for equal ordinals is by class name
  (ExtensionComponent.compareTo): DockerSecretSource, then EnvSecretSource, then
  PropertiesSecretSource (/run/secrets/secrets.properties, which this stand-in does not read).
- ConfigurationAsCode.java: CASC_JENKINS_CONFIG (or -Dcasc.jenkins.config) is a comma-separated
  list; each entry a file, or a folder searched recursively for *.yml/*.yaml/*.YML/*.YAML, hidden
  path components skipped, in sorted order. Scalars are resolved where they are configured
  (PrimitiveConfigurator, CNodeInterpolator): values, never mapping keys.

Run as a program it checks the files named on its command line (or CASC_JENKINS_CONFIG) and
prints one line per reference, never a value: exit 0 when every reference resolved, 1 otherwise.
"""

import base64
import binascii
import glob
import json
import os
import pwd
import shlex
import stat
import sys

import yaml

PREFIX = "${"
SUFFIX = "}"
ESCAPE = "^"
DEFAULT_DELIMITER = ":-"
DEFAULT_SECRETS_DIR = "/run/secrets/"
PROPERTIES_FILE_DEFAULT = "/run/secrets/secrets.properties"
YAML_SUFFIXES = (".yml", ".yaml", ".YAML", ".YML")


class ConfigurationError(Exception):
    """What would stop JCasC's configuration (and with it Jenkins' boot)."""


class Unresolved(Exception):
    """Strict mode's IllegalStateException from UnresolvedLookup."""


def java_trim(text):
    """String.trim(): strips every character up to U+0020 from both ends."""
    start, end = 0, len(text)
    while start < end and text[start] <= " ":
        start += 1
    while end > start and text[end - 1] <= " ":
        end -= 1
    return text[start:end]


def system_properties(environ):
    """The -Dname=value options the official jenkins.sh hands to java from JAVA_OPTS and JENKINS_JAVA_OPTS."""
    props = {}
    words = shlex.split(f"{environ.get('JAVA_OPTS', '')} {environ.get('JENKINS_JAVA_OPTS', '')}")
    for word in words:
        if word.startswith("-D") and len(word) > 2:
            name, _, value = word[2:].partition("=")
            props[name] = value
    return props


def user_description():
    uid, gid = os.getuid(), os.getgid()
    try:
        name = pwd.getpwuid(uid).pw_name
    except KeyError:
        name = "?"
    return f"uid {uid} ({name}), gid {gid}"


def describe_file(path):
    try:
        st = os.stat(path)
    except OSError:
        return ""
    return f" (owner {st.st_uid}:{st.st_gid}, mode {stat.S_IMODE(st.st_mode):04o})"


class Resolution:
    """How one reference was resolved, for the report; never holds a secret's value."""

    def __init__(self):
        self.sources = []
        self.warnings = []
        self.unresolved = []


class Resolver:
    def __init__(self, environ=None):
        self.environ = dict(os.environ if environ is None else environ)
        self.props = system_properties(self.environ)
        secrets = self.environ.get("SECRETS")
        self.secrets_dir = secrets if secrets is not None else DEFAULT_SECRETS_DIR

    # --- the secret sources, in Jenkins' extension order -------------------------------------

    def docker_secret(self, name, resolution):
        if name.strip() == "":
            return None
        # java.io.File(parent, child) joins the two, even when child starts with "/".
        path = self.secrets_dir.rstrip("/") + "/" + name.lstrip("/")
        try:
            st = os.stat(path)
        except OSError:
            # File.isFile() and File.exists() are false for a path the user cannot stat.
            parent = os.path.dirname(path) or "/"
            if os.path.isdir(parent) and not os.access(parent, os.X_OK):
                resolution.warnings.append(
                    f"{parent} is not searchable by {user_description()}, so JCasC cannot see {path}{describe_file(parent)}"
                )
            return None
        if not stat.S_ISREG(st.st_mode):
            raise ConfigurationError(f"Cannot load non-file {path}")
        try:
            with open(path, "rb") as handle:
                content = handle.read()
        except OSError as error:
            raise ConfigurationError(
                f"cannot read the secret file {path} as {user_description()}: {error.strerror}{describe_file(path)}"
            ) from error
        resolution.sources.append(f"file {path}")
        return java_trim(content.decode("utf-8", errors="replace"))

    def env_secret(self, name, resolution):
        if name.strip() == "":
            return None
        if name in self.props:
            resolution.sources.append(f"system property {name}")
            return self.props[name]
        if name in self.environ:
            resolution.sources.append(f"environment variable {name}")
            return self.environ[name]
        return None

    def secret_sources(self, name, resolution):
        for source in (self.docker_secret, self.env_secret):
            value = source(name, resolution)
            if value is not None:
                return value
        return None

    # --- the prefixed helpers (FixedInterpolatorStringLookup's map) --------------------------

    def read_file(self, key, resolution, as_base64):
        try:
            with open(key, "rb") as handle:
                content = handle.read()
        except OSError as error:
            resolution.warnings.append(
                f"Configuration import: Error looking up file '{key}' as {user_description()}: {error.strerror}. Will default to empty string"
            )
            return None
        resolution.sources.append(f"file {key}")
        return base64.b64encode(content).decode("ascii") if as_base64 else content.decode("utf-8", errors="replace")

    def helper(self, prefix, key, resolution):
        if prefix == "base64":
            return base64.b64encode(key.encode("utf-8")).decode("ascii")
        if prefix in ("file", "readfile"):
            return self.read_file(key, resolution, as_base64=False)
        if prefix in ("filebase64", "readfilebase64"):
            return self.read_file(key, resolution, as_base64=True)
        if prefix == "sysprop":
            if key not in self.props:
                resolution.warnings.append(
                    f"Configuration import: System Properties did not contain the specified key '{key}'. Will default to empty string."
                )
                return ""
            return self.props[key]
        if prefix == "decodebase64":
            try:
                return base64.b64decode(key.encode("utf-8"), validate=True).decode("utf-8", errors="replace")
            except (binascii.Error, ValueError) as error:
                raise ConfigurationError(f"decodeBase64 of an invalid value: {error}") from error
        if prefix == "json":
            field, separator, document = key.partition(":")
            if not separator:
                raise ConfigurationError(f"json lookup without a document: '{key}'")
            try:
                root = json.loads(document)
            except ValueError as error:
                raise ConfigurationError(f"json lookup of invalid JSON: {error}") from error
            if not isinstance(root, dict) or field not in root or root[field] is None:
                resolution.warnings.append(
                    f"Configuration import: JSON secret did not contain the specified key '{field}'. Will default to empty string."
                )
                return ""
            value = root[field]
            return value if isinstance(value, str) else json.dumps(value)
        if prefix == "trim":
            return key.rstrip()
        return None

    def lookup(self, variable, resolution):
        separator = variable.find(":")
        if separator >= 0:
            value = self.helper(variable[:separator].lower(), variable[separator + 1 :], resolution)
            if value is not None:
                return value
        return self.secret_sources(variable, resolution)

    # --- StringSubstitutor -------------------------------------------------------------------

    def substitute(self, text, lookup, preserve_escapes, nested, prior=None):
        buf = text
        pos = 0
        while pos < len(buf):
            if not buf.startswith(PREFIX, pos):
                pos += 1
                continue
            if pos > 0 and buf[pos - 1] == ESCAPE:
                if preserve_escapes:
                    pos += 1
                else:
                    buf = buf[: pos - 1] + buf[pos:]
                continue
            start = pos
            pos += len(PREFIX)
            depth = 0
            while pos < len(buf):
                if nested and buf.startswith(PREFIX, pos):
                    depth += 1
                    pos += len(PREFIX)
                    continue
                if not buf.startswith(SUFFIX, pos):
                    pos += 1
                    continue
                if depth > 0:
                    depth -= 1
                    pos += len(SUFFIX)
                    continue
                expression = buf[start + len(PREFIX) : pos]
                if nested:
                    expression = self.substitute(expression, lookup, preserve_escapes, nested)
                pos += len(SUFFIX)
                end = pos
                name, default = expression, None
                for i in range(len(expression)):
                    if not nested and expression.startswith(PREFIX, i):
                        break
                    if expression.startswith(DEFAULT_DELIMITER, i):
                        name, default = expression[:i], expression[i + len(DEFAULT_DELIMITER) :]
                        break
                if prior is None:
                    prior = [text]
                if name in prior:
                    raise ConfigurationError(
                        f"Infinite loop in property interpolation of {' -> '.join(prior[1:] + [name])}"
                    )
                prior.append(name)
                value = lookup(name)
                if value is None:
                    value = default
                if value is not None:
                    value = self.substitute(value, lookup, preserve_escapes, nested, prior)
                    buf = buf[:start] + value + buf[end:]
                    pos = start + len(value)
                prior.pop()
                break
        return buf

    def strict(self):
        setting = self.props.get("casc.strict.secret.resolution", self.environ.get("CASC_STRICT_SECRET_RESOLUTION"))
        return (setting or "").lower() == "true"

    def resolve(self, value):
        """SecretSourceResolver.resolve: (kinds of sources used, warnings); raises what stops the configuration."""
        resolution = Resolution()
        if value.strip() == "" or PREFIX not in value:
            return resolution
        first = self.substitute(value, lambda name: self.lookup(name, resolution), preserve_escapes=True, nested=True)

        def unresolved(name):
            where = f"no file {self.secrets_dir.rstrip('/')}/{name.lstrip('/')} and no environment variable or system property {name}"
            if self.strict():
                raise Unresolved(f"Unable to resolve variable '{name}'. Aborting configuration reload. ({where})")
            resolution.unresolved.append(name)
            resolution.warnings.append(
                f"Configuration import: Found unresolved variable '{name}'. Will default to empty string ({where})"
            )
            return ""

        self.substitute(first, unresolved, preserve_escapes=False, nested=False)
        return resolution


# --- the configuration files ------------------------------------------------------------------


def config_parameter(environ, props):
    return props.get("casc.jenkins.config", environ.get("CASC_JENKINS_CONFIG"))


def is_hidden(path):
    return any(part.startswith(".") for part in path.split("/") if part)


def config_files(parameter):
    """ConfigurationAsCode.configs() over each comma-separated entry; raises on an entry that does not exist."""
    files = []
    for entry in (candidate.strip() for candidate in parameter.split(",")):
        if entry == "":
            continue
        if entry.startswith(("http://", "https://")):
            raise ConfigurationError(f"'{entry}': the stand-in reads local files and folders only, no URL")
        path = entry[len("file:") :] if entry.startswith("file:") else entry
        if not os.path.exists(path):
            raise ConfigurationError(f"Invalid configuration: '{path}' isn't a valid path.")
        if os.path.isfile(path) and os.access(path, os.R_OK):
            files.append(path)
            continue
        if not os.path.isdir(path):
            raise ConfigurationError(
                f"cannot read the configuration file {path} as {user_description()}{describe_file(path)}"
            )
        found = [
            name
            for name in glob.glob(os.path.join(glob.escape(path), "**", "*"), recursive=True, include_hidden=True)
            if name.endswith(YAML_SUFFIXES) and not os.path.isdir(name) and not is_hidden(name)
        ]
        files.extend(sorted(found))
    return files


def scalar_values(node, where):
    """(YAML path, text) of every scalar value under node; mapping keys are never resolved by JCasC."""
    if isinstance(node, yaml.ScalarNode):
        yield where, node.value
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from scalar_values(item, f"{where}[{index}]")
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            label = key.value if isinstance(key, yaml.ScalarNode) else "?"
            yield from scalar_values(value, f"{where}.{label}" if where else label)


def references(files):
    """(file, YAML path, value) of every scalar value that contains `${`."""
    found = []
    for path in files:
        try:
            with open(path, encoding="utf-8") as handle:
                documents = list(yaml.compose_all(handle))
        except OSError as error:
            raise ConfigurationError(
                f"cannot read the configuration file {path} as {user_description()}: {error.strerror}"
            ) from error
        except yaml.YAMLError as error:
            raise ConfigurationError(f"{path} is not valid YAML: {error}") from error
        for document in documents:
            if document is None:
                continue
            for where, value in scalar_values(document, ""):
                if PREFIX in value:
                    found.append((path, where, value))
    return found


def referenced_names(value):
    """The `${...}` texts in a value, as written (for messages), escaped ones left out."""
    names, pos = [], 0
    while True:
        start = value.find(PREFIX, pos)
        if start < 0:
            return names
        end = value.find(SUFFIX, start)
        if end < 0:
            return names
        if not (start > 0 and value[start - 1] == ESCAPE):
            names.append(value[start : end + 1])
        pos = start + len(PREFIX)


def check(files, resolver, out=sys.stdout, err=sys.stderr):
    """Resolves every reference in files; prints a line for each; returns how many stop the configuration."""
    failures = 0
    found = references(files)
    for path, where, value in found:
        shown = ", ".join(referenced_names(value)) or "escaped only"
        try:
            resolution = resolver.resolve(value)
        except (ConfigurationError, Unresolved) as error:
            failures += 1
            print(f"jcasc: error: {path}: {where}: {shown}: {error}", file=err, flush=True)
            continue
        for warning in resolution.warnings:
            print(f"jcasc: WARNING: {path}: {where}: {shown}: {warning}", file=err, flush=True)
        origin = "; ".join(resolution.sources + [f"unresolved {name}: empty string" for name in resolution.unresolved])
        origin = origin or ("escaped (literal)" if not referenced_names(value) else "defaults/helpers only")
        print(f"jcasc: {path}: {where}: {shown} <- {origin}", file=out, flush=True)
    if os.path.exists(os.environ.get("SECRETS_FILE", PROPERTIES_FILE_DEFAULT)):
        print(
            "jcasc: WARNING: the stand-in does not read JCasC's properties secret source (SECRETS_FILE, /run/secrets/secrets.properties)",
            file=err,
            flush=True,
        )
    return failures, len(found)


def main(argv):
    resolver = Resolver()
    parameter = ",".join(argv) if argv else config_parameter(resolver.environ, resolver.props)
    if not parameter:
        print("jcasc: no configuration (CASC_JENKINS_CONFIG unset)", flush=True)
        return 0
    try:
        failures, _ = check(config_files(parameter), resolver)
    except ConfigurationError as error:
        print(f"jcasc: error: {error}", file=sys.stderr, flush=True)
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
