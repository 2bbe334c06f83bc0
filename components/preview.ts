import * as pulumi from "@pulumi/pulumi";

/**
 * A value shown as "known after up" in a preview. A command's preview runs nothing and hands back its
 * last run's stdout (pulumi-command's update in a preview returns the old outputs), which is not this update's.
 */
export function notKnownUntilUp<T>(): T {
    return pulumi.unknown as unknown as T;
}
