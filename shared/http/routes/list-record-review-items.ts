import { idSchema, relatedRecordSchema } from '../../domain/primitives.js';
import { pageQuerySchema } from '../requests.js';
import { defineRoute } from '../route.js';

/** As related records are stored: a record type like `account`, an id without CR/LF/NUL. */
export const listRecordReviewItemsRoute = defineRoute({
  fn: 'list-record-review-items',
  method: 'GET',
  path: '/records/{recordType}/{recordId}/review-items',
  auth: 'jwt',
  params: {
    recordType: { description: 'A record type such as account', schema: relatedRecordSchema.shape.type },
    recordId: { description: 'The record id', schema: idSchema },
  },
  query: pageQuerySchema,
});
