import { sharedDataDir } from "../../support/paths";

/** Local mode: no repository, data read from the shared directory beside the clone. */
export const localConfig = { dataSource: sharedDataDir };

export const configuredAdminPassword = "correct-horse-battery-staple";
export const configuredGitHubToken = "ghp_not-a-real-token";

/** GitHub mode, with both secrets a user sets (admin password and token) given as secret configuration. */
export const gitHubConfig = {
    ...localConfig,
    githubRepository: "octocat/adult-mlops",
    jenkinsPublicUrl: "https://jenkins.example.com",
    jenkinsAdminPassword: configuredAdminPassword,
    "github:token": configuredGitHubToken,
};
export const gitHubSecretKeys = ["jenkinsAdminPassword", "github:token"];

/** A client key as `pulumi config set --secret --path 'dockerTls.trainer.key'` would hold it. */
export const configuredTlsKey = "-----BEGIN EC PRIVATE KEY-----\nnot-a-real-key\n-----END EC PRIVATE KEY-----\n";

/**
 * GitHub mode on three build hosts: the local engine (Jenkins), one over SSH that runs the stack's
 * pipeline, and one over TCP with TLS material from secret configuration.
 */
export const multiHostConfig = {
    ...gitHubConfig,
    dataSource: "https://archive.ics.uci.edu/static/public/2/adult.zip",
    buildHosts: JSON.stringify([
        "unix:///var/run/docker.sock",
        "ssh://ci@gpu-box.lab.example?agent=10.0.0.12",
        "tcp://trainer.lab.example:2376?agent=10.0.0.13:2022",
    ]),
    pipelineHost: "gpu-box",
    dockerTls: JSON.stringify({
        trainer: {
            ca: "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n",
            cert: "-----BEGIN CERTIFICATE-----\nCLIENT\n-----END CERTIFICATE-----\n",
            key: configuredTlsKey,
        },
    }),
};
export const multiHostSecretKeys = [...gitHubSecretKeys, "dockerTls"];
