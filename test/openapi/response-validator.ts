import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { OpenApiDocument } from '../../server/openapi';

/** Escapes one JSON Pointer token (RFC 6901). */
const pointerToken = (token: string) => token.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * Checks real answers against the document: the schema of the response documented for a path, method and status.
 * The whole document is one schema resource, so the `#/components/...` references inside it resolve as written.
 */
export class ResponseValidator {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(private readonly document: OpenApiDocument) {
    addFormats(this.ajv);
    this.ajv.addSchema({ ...document, $id: 'openapi' });
  }

  /**
   * Throws with ajv's errors unless `body` matches the documented response. `path` is the document's template
   * (`/api/sales/{id}`), `method` lower case.
   */
  assert(
    method: string,
    path: string,
    status: number,
    body: unknown,
    contentType = 'application/json',
  ): void {
    const response = this.document.paths[path]?.[method as 'get']?.responses[String(status)];
    if (!response)
      throw new Error(`the document has no ${status} answer for ${method.toUpperCase()} ${path}`);
    const key = [method, path, status, contentType].join(' ');
    let validate = this.compiled.get(key);
    if (!validate) {
      const pointer = ['paths', path, method, 'responses', String(status), 'content', contentType, 'schema']
        .map(pointerToken)
        .join('/');
      validate = this.ajv.compile({ $ref: `openapi#/${pointer}` });
      this.compiled.set(key, validate);
    }
    if (!validate(body)) {
      throw new Error(
        `${method.toUpperCase()} ${path} ${status} does not match the document: ${this.ajv.errorsText(validate.errors)}\n` +
          JSON.stringify(body),
      );
    }
  }
}
