#!/usr/bin/python3
"""jenkins-plugin-cli of the stand-in image: checks a plugins.txt, INSTALLS NOTHING.

Reads the file the way the plugin installation manager 2.15.0 does (PluginListParser.java:
text after whitespace and `#` dropped, then all whitespace, lines starting with `#` skipped,
each line split on the first two `:` into artifactId, version and an optional URL), then holds
every line to what this project pins, which is stricter than the tool itself (it takes a bare
artifactId as "latest" and almost any text as a version):

    artifactId:version[:url]

artifactId: letters, digits, `.`, `_`, `-`, starting with a letter or digit. version: an exact
version starting with a digit (letters, digits, `.`, `_`, `-`, `+` after it), or one of the
tool's own forms `latest`, `experimental`, `incrementals;groupId;version`. url: scheme://...

An invalid line stops with exit status 1 and names the file, the line number and its content.
The options the project's Dockerfile passes are accepted (--plugin-file/-f, --latest, --plugins/-p,
--verbose, --help/-h, --version/-v); any other is refused, so a typo does not pass unnoticed.
"""

import os
import re
import sys

ARTIFACT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
EXACT_VERSION = re.compile(r"[0-9][0-9A-Za-z._+-]*")
GROUP_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")
URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://\S+")
BOOLEANS = {"true": True, "on": True, "yes": True, "1": True, "false": False, "off": False, "no": False, "0": False}
NOTICE = (
    "jenkins-plugin-cli (stand-in, not the plugin installation manager): checked the syntax only, installed nothing"
)


def fail(message, status=1):
    print(f"jenkins-plugin-cli: error: {message}", file=sys.stderr)
    sys.exit(status)


def problem(line):
    """What is wrong with one normalised plugin line, or None."""
    parts = line.split(":", 2)
    artifact = parts[0]
    if not ARTIFACT_ID.fullmatch(artifact):
        return f"'{artifact}' is not a plugin artifactId"
    if len(parts) < 2 or parts[1] == "":
        return "no version: every plugin must be pinned as artifactId:version"
    version = parts[1]
    if version.startswith("incrementals"):
        fields = version.split(";")
        if (
            len(fields) != 3
            or fields[0] != "incrementals"
            or not GROUP_ID.fullmatch(fields[1])
            or not EXACT_VERSION.fullmatch(fields[2])
        ):
            return f"'{version}' is not incrementals;groupId;version"
    elif version not in ("latest", "experimental") and not EXACT_VERSION.fullmatch(version):
        return f"'{version}' is not a version (an exact version starts with a digit; or latest, experimental, incrementals;groupId;version)"
    if len(parts) == 3 and not URL.fullmatch(parts[2]):
        return f"'{parts[2]}' is not a URL"
    return None


def check_lines(source, lines):
    """Checks plugin lines; returns their artifactIds; exits on the first invalid line."""
    seen = {}
    for number, raw in lines:
        line = re.sub(r"\s", "", re.sub(r"\s#+.*", "", raw))
        if line == "" or line.startswith("#"):
            continue
        wrong = problem(line)
        if wrong is not None:
            fail(f"{source}:{number}: invalid plugin line {raw.rstrip()!r}: {wrong}")
        artifact = line.split(":", 1)[0]
        if artifact in seen:
            print(
                f"jenkins-plugin-cli: warning: {source}:{number}: {artifact} is listed again (first on line {seen[artifact]})",
                file=sys.stderr,
            )
        seen.setdefault(artifact, number)
    return list(seen)


def main(argv):
    plugin_file, plugins, i = None, [], 0
    while i < len(argv):
        arg = argv[i]
        name, has_value, inline = arg.partition("=")
        if name in ("--help", "-h"):
            print(__doc__)
            return 0
        if name in ("--version", "-v"):
            print("stand-in (not the plugin installation manager)")
            return 0
        if name == "--verbose":
            i += 1
        elif name in ("--plugin-file", "-f"):
            if has_value:
                plugin_file = inline
            elif i + 1 < len(argv):
                plugin_file, i = argv[i + 1], i + 1
            else:
                fail("--plugin-file needs a file")
            i += 1
        elif name == "--latest":
            if has_value:
                value, i = inline, i + 1
            elif i + 1 < len(argv) and not argv[i + 1].startswith("-"):
                value, i = argv[i + 1], i + 2
            else:
                value, i = "true", i + 1
            if value.lower() not in BOOLEANS:
                fail(f"--latest takes true or false, not '{value}'", 2)
        elif name in ("--plugins", "-p"):
            i += 1
            while i < len(argv) and not argv[i].startswith("-"):
                plugins.append(argv[i])
                i += 1
        else:
            fail(
                f"option '{arg}' is not one the stand-in knows (the real jenkins-plugin-cli may accept it); it accepts --plugin-file, --latest, --plugins, --verbose",
                2,
            )

    checked = check_lines("--plugins", [(n, p) for n, p in enumerate(plugins, 1)])
    if plugin_file is not None:
        if not os.path.exists(plugin_file):
            fail(f"File containing list of plugins does not exist {plugin_file}")
        if not plugin_file.endswith(".txt"):
            fail(f"{plugin_file}: the stand-in checks .txt plugin files only")
        try:
            with open(plugin_file, encoding="utf-8") as handle:
                checked += check_lines(plugin_file, enumerate(handle.read().splitlines(), 1))
        except OSError as error:
            fail(f"cannot read {plugin_file}: {error.strerror}")
    if not checked:
        fail("no plugins given (--plugin-file FILE or --plugins ...)")
    print(f"{NOTICE}: {len(checked)} plugins")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
