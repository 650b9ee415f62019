import { idSchema } from '../../domain/primitives.js';
import { defineRoute } from '../route.js';

export const getErasureRoute = defineRoute({
  fn: 'get-erasure',
  method: 'GET',
  path: '/privacy/erasures/{id}',
  auth: 'jwt',
  params: { id: { description: 'The erasure id', documented: idSchema } },
});
