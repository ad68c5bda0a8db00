import { applyDecorators } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiProperty, ApiQuery } from '@nestjs/swagger';
import { TRANSACTION_TYPES } from '../transactions';
import { TRANSACTIONS_LIMIT } from '../transactions-query';

export class TransactionDto {
  @ApiProperty({ example: '6912b79b-6d38-4575-8647-456de48f8c7e', description: "The charge's id (the meme's), `<meme id>:refund`, or the purchase's reference" })
  id!: string;
  @ApiProperty({ enum: TRANSACTION_TYPES }) type!: string;
  @ApiProperty({ example: -3, description: 'Tokens added (purchase, refund) or taken (charge, negative)' }) amount!: number;
  @ApiProperty({ example: 96, description: 'The balance right after this entry' }) balanceAfter!: number;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ nullable: true, type: String, example: 'image', description: "The meme's format (charges and refunds)" }) format!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The meme paid for or refunded' }) memeId!: string | null;
  @ApiProperty({ nullable: true, type: String, description: "The purchase's reference" }) reference!: string | null;
}

/** The OpenAPI description shared by the caller's and the admin's transactions routes. */
export function TransactionsQueries(whose = "The caller's"): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      summary: `${whose} purchases, charges and refunds, newest first`,
      description: `Each entry with the balance right after it (amounts sum to the balance). \`limit\` per page (1-${TRANSACTIONS_LIMIT}, default ${TRANSACTIONS_LIMIT}); when there are more, the \`Link\` header names the next page (\`rel="next"\`, with a \`cursor\`). \`format=csv\` exports every entry that matches the filters as CSV.`,
    }),
    ApiQuery({ name: 'type', required: false, description: `${TRANSACTION_TYPES.join(', ')}; several comma-separated` }),
    ApiQuery({ name: 'memeFormat', required: false, description: 'Only charges and refunds of memes of this format (text, image, video)' }),
    ApiQuery({ name: 'from', required: false, description: 'From this instant (inclusive): YYYY-MM-DD (UTC) or an ISO 8601 date-time with an offset' }),
    ApiQuery({ name: 'to', required: false, description: 'Before this instant (exclusive), same forms as `from`' }),
    ApiQuery({ name: 'limit', required: false, description: `1-${TRANSACTIONS_LIMIT}` }),
    ApiQuery({ name: 'cursor', required: false, description: 'From the Link header of the previous page' }),
    ApiQuery({ name: 'format', required: false, enum: ['csv'], description: 'csv: every matching entry as CSV instead of a JSON page' }),
    ApiProduces('application/json', 'text/csv'),
  );
}
