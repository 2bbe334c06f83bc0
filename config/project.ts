/** The Pulumi project's name: the namespace of its configuration keys. */
export const projectName = "adult-mlops";

export function configKey(key: string): string {
    return `${projectName}:${key}`;
}
