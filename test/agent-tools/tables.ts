import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** The agent-tools table as the gateway stack creates it: hash key client_id (S). */
export async function createAgentToolsTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: 'client_id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'client_id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}
