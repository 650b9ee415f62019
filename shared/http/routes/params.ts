/** Path parameters several routes share. */
import { idSchema } from '../../domain/primitives.js';
import type { ParamSpec } from '../route.js';

/** Ids are looked up, never trusted: one past the bounds of an id is not found (404), as an unknown one is. */
export const itemId = { id: { description: 'The review item id', documented: idSchema } } satisfies Record<
  string,
  ParamSpec
>;
export const automationId = { automationId: { description: 'The automation id', schema: idSchema } };
