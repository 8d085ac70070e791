// DynamoDB for the tests and the sandbox: dynalite speaks the real DynamoDB JSON protocol, in memory.
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

// dynalite ships no type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: Record<string, unknown>) => Server;

export interface LocalDynamo {
  /** http://127.0.0.1:<port>, for AWS_ENDPOINT_URL_DYNAMODB. */
  readonly url: string;
  /** A client for setting the tables up (dummy credentials, us-east-1). */
  readonly client: DynamoDBClient;
  close(): Promise<void>;
}

export interface ClientRoleItem {
  readonly client_id: string;
  readonly role_arn: string;
  readonly server_name: string;
  readonly s3_path_prefix: string;
  /** The tier, as servers.json names it (`write`, `read-write`, `full`). */
  readonly s3_permissions: string;
  readonly enabled: boolean;
  readonly max_session_duration: number;
}

export async function startDynalite(): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDTESTLOCAL', secretAccessKey: 'test-secret-local' },
  });
  return {
    url,
    client,
    async close() {
      client.destroy();
      server.closeAllConnections?.();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}

/** The client→role mapping table, keyed like the deployed one (hash key `client_id`, S). */
export async function createClientRolesTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: 'client_id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'client_id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}

export async function putClientRole(client: DynamoDBClient, tableName: string, item: ClientRoleItem): Promise<void> {
  await client.send(
    new PutItemCommand({
      TableName: tableName,
      Item: {
        client_id: { S: item.client_id },
        role_arn: { S: item.role_arn },
        server_name: { S: item.server_name },
        s3_path_prefix: { S: item.s3_path_prefix },
        s3_permissions: { S: item.s3_permissions },
        enabled: { BOOL: item.enabled },
        max_session_duration: { N: String(item.max_session_duration) },
      },
    }),
  );
}
