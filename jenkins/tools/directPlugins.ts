/**
 * The plugins the rendered configuration uses (test/jenkins/controller-image.test.ts checks each is
 * needed): lock-plugins.ts pins them and their dependency closure, test/jenkins/plugins.test.ts checks
 * the lock pins each of them directly.
 */
export const DIRECT_PLUGINS: readonly string[] = [
    "configuration-as-code",
    "credentials",
    "ssh-credentials",
    "plain-credentials",
    "ssh-slaves",
    "git",
    "github",
    "description-setter",
    "credentials-binding",
];
