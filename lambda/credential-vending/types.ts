// The few AWS Lambda shapes this function uses (HTTP API payload format 2.0); @types/aws-lambda is
// not a dependency, and these are all the handler relies on.

export interface HttpApiEvent {
  readonly version?: string;
  readonly routeKey?: string;
  readonly rawPath?: string;
  /** Header names arrive lower-cased; repeated headers are joined with commas. */
  readonly headers?: Readonly<Record<string, string | undefined>>;
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
  readonly requestContext?: {
    readonly requestId?: string;
    readonly http?: { readonly method?: string; readonly path?: string; readonly sourceIp?: string };
  };
}

export interface HttpApiResult {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly isBase64Encoded: false;
}

export interface LambdaContext {
  readonly awsRequestId?: string;
}
