import { JenkinsSettings } from "./settings";

/** Local mode as the stack sets it up by default: data downloaded from UCI, the project mounted into the agent. */
export const localDefaults: JenkinsSettings = {
    jenkinsUrl: "http://127.0.0.1:8080/",
    adminUser: "admin",
    pipeline: {
        threshold: 0.8,
        model: "hgb",
        dataSource: "https://archive.ics.uci.edu/static/public/2/adult.zip",
        rawDataFile: "adult.data",
        testDataFile: "adult.test",
    },
    agent: { host: "adult-mlops-jenkins-agent", port: 22, projectDir: "/srv/adult-mlops/project" },
    modelImage: "adult-mlops-model",
    modelContainer: "model",
    dataVolume: "adult-mlops-data",
};
