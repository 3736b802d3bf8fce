export { buildOpenApiDocument } from './openapi';
export { DOCS_PATH, OPENAPI_PATH, openapiRouter } from './openapi.routes';
export type { OpenApiDocument } from './types';
