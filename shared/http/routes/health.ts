import { defineRoute } from '../route.js';

export const healthRoute = defineRoute({ fn: 'health', method: 'GET', path: '/health', auth: 'none' });
