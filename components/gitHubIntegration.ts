import * as github from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import { GitHubStackSettings } from "../config/stackSettings";
import { secretInState } from "./secretInState";

export interface GitHubIntegrationArgs {
    /** The repository and the URL its push webhook posts to, as checked from the stack's configuration. */
    github: GitHubStackSettings;
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

    constructor(name: string, args: GitHubIntegrationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("adult-mlops:index:GitHubIntegration", name, {}, opts);

        const { owner, name: repository, webhookUrl } = args.github;
        const provider = new github.Provider(`${name}-provider`, { owner, token: args.token }, { parent: this });
        const childOpts = { parent: this, provider };

        const secret = new random.RandomPassword(
            `${name}-webhook-secret`,
            { length: 48, special: false },
            { parent: this },
        );
        const deployKey = new tls.PrivateKey(`${name}-deploy-key`, { algorithm: "ED25519" }, { parent: this });

        new github.RepositoryDeployKey(
            `${name}-deploy-key`,
            { repository, title: args.deployKeyTitle, key: deployKey.publicKeyOpenssh, readOnly: true },
            childOpts,
        );

        this.webhookSecret = pulumi.secret(secret.result);
        const hook = new github.RepositoryWebhook(
            `${name}-webhook`,
            {
                repository,
                events: ["push"],
                active: true,
                // The provider marks configuration.secret sensitive, a nested field the engine does not see.
                configuration: secretInState({
                    url: webhookUrl,
                    contentType: "json",
                    insecureSsl: false,
                    secret: this.webhookSecret,
                }),
            },
            childOpts,
        );

        // Taken from the plain URL, not hook.configuration, which holds the secret and so is secret as a whole.
        this.webhookUrl = hook.id.apply(() => webhookUrl);
        this.deployPrivateKey = pulumi.secret(deployKey.privateKeyOpenssh);
        this.registerOutputs({ webhookUrl: this.webhookUrl });
    }
}
