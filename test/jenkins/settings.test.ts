import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { renderJenkins } from "../../jenkins/render";
import { JenkinsSettings } from "../../jenkins/settings";
import { JenkinsSettingsError, parseSettings } from "../../jenkins/validate";
import { gitHubSettings, localSettings } from "./fixtures";

function rejects(settings: unknown, field: string, message?: RegExp): void {
    assert.throws(
        () => renderJenkins(settings as JenkinsSettings),
        (error: unknown) => {
            assert.ok(error instanceof JenkinsSettingsError, `expected a JenkinsSettingsError, got ${String(error)}`);
            assert.equal(error.field, field);
            assert.match(error.message, new RegExp(`\\b${field.replace(".", "\\.")}\\b`));
            if (message) assert.match(error.message, message);
            return true;
        },
    );
}

describe("settings validation", () => {
    test("the GitHub trigger without the webhook's shared secret is refused", () => {
        rejects({ ...gitHubSettings, github: { repository: "acme/adult-mlops", hookSecretConfigured: false } }, "github.hookSecretConfigured", /unsigned/);
    });

    test("threshold must lie in [0, 1]", () => {
        for (const threshold of [-0.1, 1.01, Number.NaN, "0.8"]) {
            rejects({ ...localSettings, pipeline: { ...localSettings.pipeline, threshold } }, "pipeline.threshold");
        }
        for (const threshold of [0, 1]) {
            assert.equal(parseSettings({ ...localSettings, pipeline: { ...localSettings.pipeline, threshold } }).pipeline.threshold, threshold);
        }
    });

    test("repository must be owner/name", () => {
        for (const repository of ["adult-mlops", "acme/adult mlops", "https://github.com/acme/adult-mlops", "acme/a/b", ""]) {
            rejects({ ...gitHubSettings, github: { repository, hookSecretConfigured: true } }, "github.repository");
        }
    });

    test("URLs must be http(s) without credentials", () => {
        for (const jenkinsUrl of ["127.0.0.1:8080", "ftp://host/", "http://user:pw@host/", "not a url"]) {
            rejects({ ...localSettings, jenkinsUrl }, "jenkinsUrl");
        }
        rejects({ ...localSettings, pipeline: { ...localSettings.pipeline, dataSource: "https://" } }, "pipeline.dataSource");
    });

    test("the data source is a URL or an absolute directory fit for docker --mount", () => {
        for (const dataSource of ["data", "../shared/data", "/data,readonly", "/"]) {
            rejects({ ...localSettings, pipeline: { ...localSettings.pipeline, dataSource } }, "pipeline.dataSource");
        }
        assert.equal(parseSettings({ ...localSettings, pipeline: { ...localSettings.pipeline, dataSource: "/srv/data" } }).pipeline.dataSource, "/srv/data");
    });

    test("other fields name themselves when wrong", () => {
        rejects({ ...localSettings, adminUser: "admin user" }, "adminUser");
        rejects({ ...localSettings, agent: { ...localSettings.agent, port: 70000 } }, "agent.port");
        rejects({ ...localSettings, agent: { ...localSettings.agent, projectDir: "project" } }, "agent.projectDir");
        rejects({ ...localSettings, agent: { ...localSettings.agent, hostKey: "not a key" } }, "agent.hostKey");
        rejects({ ...localSettings, pipeline: { ...localSettings.pipeline, rawDataFile: "../adult.data" } }, "pipeline.rawDataFile");
        rejects({ ...localSettings, modelImage: "Adult MLOps" }, "modelImage");
        rejects({ ...localSettings, modelContainer: "" }, "modelContainer");
        rejects({ ...gitHubSettings, github: { repository: "acme/x", branch: "feature..x", hookSecretConfigured: true } }, "github.branch");
        rejects({ ...localSettings, pipeline: undefined }, "pipeline");
    });

    test("an empty test data file means a random split", () => {
        assert.equal(parseSettings({ ...localSettings, pipeline: { ...localSettings.pipeline, testDataFile: "" } }).pipeline.testDataFile, "");
    });
});
