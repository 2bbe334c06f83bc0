// ESLint (flat config): @eslint/js's and typescript-eslint's recommended rules, the type-aware ones
// too (recommendedTypeChecked), over the files tsconfig.json includes. Formatting is prettier's
// (.prettierrc.json); no rule here is about layout. Every rule turned off or changed says why.
import eslint from "@eslint/js";
import { defineConfig } from "eslint/config";
import tseslint from "typescript-eslint";

export default defineConfig(
    {
        // What .gitignore ignores is not source either; ESLint does not read it, so it is listed here.
        ignores: ["node_modules/", "**/node_modules/", "bin/", ".cache/", "reports/", ".pulumi-state/"],
    },
    {
        // tsconfig.json's "include", the TypeScript that `tsc --noEmit` checks.
        files: [
            "index.ts",
            "components/**/*.ts",
            "config/**/*.ts",
            "contracts/**/*.ts",
            "fingerprints/**/*.ts",
            "jenkins/**/*.ts",
            "test/**/*.ts",
        ],
        extends: [eslint.configs.recommended, tseslint.configs.recommendedTypeChecked],
        languageOptions: {
            parserOptions: {
                // The type information comes from tsconfig.json, the same program tsc builds.
                projectService: true,
                tsconfigRootDir: import.meta.dirname,
            },
        },
        linterOptions: {
            // An eslint-disable comment that no longer disables anything is an error, not a warning.
            reportUnusedDisableDirectives: "error",
        },
        rules: {
            // node:test's describe, it and test return promises that the runner itself awaits (a
            // failing test fails the run, not an unhandled rejection); the rule stays on for the rest.
            "@typescript-eslint/no-floating-promises": [
                "error",
                {
                    allowForKnownSafeCalls: [
                        { from: "package", package: "node:test", name: ["describe", "it", "test", "suite"] },
                    ],
                },
            ],
            // tsc already reports unused locals and parameters (tsconfig.json's noUnusedLocals and
            // noUnusedParameters); this rule would report each a second time, with other exceptions.
            "@typescript-eslint/no-unused-vars": "off",
        },
    },
    {
        // Tests read what the code under test wrote (JSON, YAML, Jenkins' XML, Pulumi's mock inputs) as
        // untyped values and assert on their shape: an assertion is the check these rules ask for.
        files: ["test/**/*.ts"],
        rules: {
            "@typescript-eslint/no-unsafe-member-access": "off",
            "@typescript-eslint/no-unsafe-assignment": "off",
            "@typescript-eslint/no-unsafe-argument": "off",
            "@typescript-eslint/no-unsafe-call": "off",
            "@typescript-eslint/no-unsafe-return": "off",
            "@typescript-eslint/no-explicit-any": "off",
        },
    },
    {
        // This file: plain JavaScript outside tsconfig.json, so no type-aware rules.
        files: ["eslint.config.mjs"],
        extends: [eslint.configs.recommended],
        languageOptions: { globals: { console: "readonly" } },
    },
);
