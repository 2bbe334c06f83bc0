import * as pulumi from "@pulumi/pulumi";

/**
 * A resource input that holds a secret anywhere inside it, made secret as a whole: the engine keeps an
 * input encrypted in state only when the top-level value is secret. Bridged providers bring a secret
 * nested in a list or object back plain (pulumi/pulumi-terraform-bridge issue 1028), and
 * additionalSecretOutputs names top-level properties only (pulumi/pulumi issue 3144); see
 * test/stack/providerSemantics.test.ts, which checks every input of the stack for this.
 *
 * Use it for the input itself (`uploads: secretInState([...])`), not for a value nested in one.
 */
export function secretInState<T>(input: pulumi.Input<T>): pulumi.Output<pulumi.Unwrap<T>> {
    return pulumi.secret(input);
}
