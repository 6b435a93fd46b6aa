/** Errors whose message is shown to the client as it is (svc's wording), with an errno `code` for programs. */

/** An Error with `code` and a message without the code in front (errnoError puts it there). */
export function requestError(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}
