import * as github from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";

export interface GitHubIntegrationArgs {
    /** Account or organisation that owns the repository. */
    owner: string;
    /** Repository name, without the owner. */
    repository: string;
    /** Public URL of Jenkins that GitHub can reach (a tunnel or relay); the hook posts to `<it>github-webhook/`. */
    jenkinsPublicUrl: string;
    /** API token; unset, the provider falls back to GITHUB_TOKEN. */
    token?: pulumi.Input<string>;
    /** Shown on GitHub next to the deploy key, so users can tell whose key it is. */
    deployKeyTitle: string;
}

/**
 * What GitHub needs for Jenkins to build on every push: a push webhook signed with a generated
 * secret, and a read-only deploy key Jenkins clones with (so Jenkins never holds the user's token).
 */
export class GitHubIntegration extends pulumi.ComponentResource {
    public readonly webhookUrl: pulumi.Output<string>;
    /** Shared secret GitHub signs deliveries with; Jenkins refuses deliveries without a valid signature. */
    public readonly webhookSecret: pulumi.Output<string>;
    /** OpenSSH private half of the deploy key, for Jenkins' clone credential. */
    public readonly deployPrivateKey: pulumi.Output<string>;
    public readonly cloneUrl: string;

    constructor(name: string, args: GitHubIntegrationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("adult-mlops:index:GitHubIntegration", name, {}, opts);

        const provider = new github.Provider(`${name}-provider`, { owner: args.owner, token: args.token }, { parent: this });
        const childOpts = { parent: this, provider };

        const secret = new random.RandomPassword(`${name}-webhook-secret`, { length: 48, special: false }, { parent: this });
        const deployKey = new tls.PrivateKey(`${name}-deploy-key`, { algorithm: "ED25519" }, { parent: this });

        new github.RepositoryDeployKey(
            `${name}-deploy-key`,
            { repository: args.repository, title: args.deployKeyTitle, key: deployKey.publicKeyOpenssh, readOnly: true },
            childOpts,
        );

        this.webhookSecret = pulumi.secret(secret.result);
        const hookUrl = new URL("github-webhook/", args.jenkinsPublicUrl).href;
        const hook = new github.RepositoryWebhook(
            `${name}-webhook`,
            {
                repository: args.repository,
                events: ["push"],
                active: true,
                // Secret as a whole: the engine encrypts an input in state only when the top-level value is secret.
                configuration: pulumi.secret({ url: hookUrl, contentType: "json", insecureSsl: false, secret: this.webhookSecret }),
            },
            childOpts,
        );

        // Taken from the plain URL, not hook.configuration, which holds the secret and so is secret as a whole.
        this.webhookUrl = hook.id.apply(() => hookUrl);
        this.deployPrivateKey = pulumi.secret(deployKey.privateKeyOpenssh);
        this.cloneUrl = `git@github.com:${args.owner}/${args.repository}.git`;
        this.registerOutputs({ webhookUrl: this.webhookUrl, cloneUrl: this.cloneUrl });
    }
}
