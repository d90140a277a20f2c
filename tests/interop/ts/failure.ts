// How the TypeScript interop checks see a call that should fail.
import { ConnectError } from "@connectrpc/connect";

/** The failure of a call as a ConnectError, or undefined when it succeeded. */
export async function failureOf(call: () => Promise<unknown>): Promise<ConnectError | undefined> {
  try {
    await call();
    return undefined;
  } catch (error) {
    return ConnectError.from(error);
  }
}
