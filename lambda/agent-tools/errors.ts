// Every refusal a tool call can end in, with a stable code. The MCP server on a host and the
// gateway's tools Lambda answer the same codes, as the first word of an `isError: true` tool
// result ("not_found: …"), so an agent (or a person reading its transcript) can tell them apart
// without parsing prose. Change none; add new ones at the end.
//
// | code             | when                                                                         |
// |------------------|------------------------------------------------------------------------------|
// | invalid_argument | an argument is missing, of the wrong type, or not one the tool takes         |
// | invalid_key      | a key or list prefix is empty, absolute, holds "." / ".." segments or control |
// |                  | characters, or makes a key over S3's 1,024 bytes                             |
// | unknown_tool     | no tool of that name                                                         |
// | not_found        | read, update or delete of a key that does not exist                          |
// | already_exists   | create of a key that exists                                                  |
// | too_large        | read of an object over the size limit, or content over it                    |
// | access_denied    | the server's tier cannot do the operation, or S3 refused it (AccessDenied)    |
// | unauthenticated  | gateway: no verifiable bearer token (missing, forged, expired, wrong issuer)  |
// | not_permitted    | gateway: a genuine caller whose server is unknown, disabled or has no         |
// |                  | agent_tools                                                                  |
// | unavailable      | credentials, STS or S3 cannot be reached or answer 5xx; retry later           |
// | internal_error   | a bug or a misconfiguration (details only in the logs)                        |

export type ToolErrorCode =
  | 'invalid_argument'
  | 'invalid_key'
  | 'unknown_tool'
  | 'not_found'
  | 'already_exists'
  | 'too_large'
  | 'access_denied'
  | 'unauthenticated'
  | 'not_permitted'
  | 'unavailable'
  | 'internal_error';

/** A refused tool call. `message` goes to the agent: never a token, a secret or a stack trace. */
export class ToolError extends Error {
  constructor(
    readonly code: ToolErrorCode,
    message: string,
    /** For the logs only (the upstream error's name, …); never sent to the caller. */
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'ToolError';
  }
}
