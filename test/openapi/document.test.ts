import { Validator } from '@seriousme/openapi-schema-validator';
import { expect } from 'chai';
import { ERROR_STATUS } from '../../server/errors';
import { buildOpenApiDocument, type OpenApiDocument } from '../../server/openapi';
import type { OperationObject, ParameterObject, ResponseObject } from '../../server/openapi/types';
import { ResponseValidator } from './response-validator';

interface Op {
  method: string;
  path: string;
  op: OperationObject;
}

function operations(doc: OpenApiDocument): Op[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ method, path, op: op as OperationObject })),
  );
}

const errorAnswers = (op: OperationObject) =>
  Object.entries(op.responses).filter(([status]) => Number(status) >= 400) as [string, ResponseObject][];

describe('OpenAPI document', () => {
  const doc = buildOpenApiDocument();

  describe('as a whole', () => {
    it('is a valid OpenAPI 3.1 document', async () => {
      const validator = new Validator();
      const result = await validator.validate(doc as never);
      expect(result.errors ?? [], JSON.stringify(result.errors)).to.deep.equal([]);
      expect(result.valid).to.equal(true);
      expect(validator.version).to.equal('3.1');
    });

    it('would be refused by the validator when broken (the check above can fail)', async () => {
      const broken = structuredClone(doc) as unknown as {
        paths: Record<string, Record<string, { responses: unknown }>>;
      };
      broken.paths['/healthz'].get.responses = { '200': { content: {} } }; // a response needs a description
      const result = await new Validator().validate(broken as never);
      expect(result.valid).to.equal(false);
    });

    it('resolves every $ref', () => {
      const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
      expect(refs.length).to.be.greaterThan(10);
      for (const raw of refs) {
        const name = /#\/components\/schemas\/([^"]+)"/.exec(raw)?.[1];
        expect(name, raw).to.be.a('string');
        expect(doc.components.schemas, raw).to.have.property(name as string);
      }
    });
  });

  describe('error answers', () => {
    it('name only codes of the error registry, each under its registry status', () => {
      let checked = 0;
      for (const { method, path, op } of operations(doc)) {
        for (const [status, response] of errorAnswers(op)) {
          const codes = response['x-error-codes'];
          expect(codes, `${method} ${path} ${status}`).to.be.an('array').with.length.above(0);
          for (const code of codes ?? []) {
            expect(ERROR_STATUS, `${method} ${path}: ${code}`).to.have.property(code);
            expect(ERROR_STATUS[code as keyof typeof ERROR_STATUS], `${method} ${path}: ${code}`).to.equal(
              Number(status),
            );
            checked += 1;
          }
        }
      }
      expect(checked).to.be.greaterThan(50);
    });

    it('list the same codes in the schema enum as in x-error-codes', () => {
      for (const { method, path, op } of operations(doc)) {
        for (const [status, response] of errorAnswers(op)) {
          const schema = response.content?.['application/json'].schema;
          const enumCodes = (schema?.properties?.error.properties?.code.enum ?? []) as string[];
          expect(enumCodes, `${method} ${path} ${status}`).to.deep.equal(response['x-error-codes']);
        }
      }
    });

    it('cover every code of the registry somewhere', () => {
      const shared = Object.values(doc.components.responses ?? {}).flatMap((r) => r['x-error-codes'] ?? []);
      const documented = new Set([
        ...operations(doc).flatMap(({ op }) => errorAnswers(op).flatMap(([, r]) => r['x-error-codes'] ?? [])),
        ...shared,
      ]);
      expect([...documented].sort()).to.deep.equal(Object.keys(ERROR_STATUS).sort());
    });

    it('carry Retry-After on every 429', () => {
      const limited = operations(doc).filter(({ op }) => op.responses['429']);
      expect(limited.map(({ path }) => path)).to.include.members([
        '/api/auth/register',
        '/api/auth/login',
        '/api/sales/{id}/purchases',
      ]);
      for (const { path, op } of limited) {
        const headers = (op.responses['429'] as ResponseObject).headers ?? {};
        expect(headers, path).to.have.property('Retry-After');
      }
    });

    it('have examples that match their own schema', () => {
      const validator = new ResponseValidator(doc);
      for (const { method, path, op } of operations(doc)) {
        for (const [status, response] of errorAnswers(op)) {
          validator.assert(method, path, Number(status), response.content?.['application/json'].example);
        }
      }
    });
  });

  describe('security', () => {
    it('declares bearer JWT authentication', () => {
      expect(doc.components.securitySchemes.bearerAuth).to.deep.include({ type: 'http', scheme: 'bearer' });
    });

    it('marks each operation public or bearer-protected, and every protected one may answer 401', () => {
      for (const { method, path, op } of operations(doc)) {
        expect(op.security, `${method} ${path}`).to.be.an('array');
        if (op.security?.length) {
          expect(op.security, `${method} ${path}`).to.deep.equal([{ bearerAuth: [] }]);
          expect((op.responses['401'] as ResponseObject)['x-error-codes'], `${method} ${path}`).to.include(
            'UNAUTHENTICATED',
          );
        }
      }
      const admin = ['post /api/products', 'post /api/sales', 'post /api/sales/{id}/rounds'];
      for (const { method, path, op } of operations(doc)) {
        const forbidden = (op.responses['403'] as ResponseObject | undefined)?.['x-error-codes'] ?? [];
        expect(forbidden.includes('FORBIDDEN'), `${method} ${path}`).to.equal(
          admin.includes(`${method} ${path}`),
        );
      }
    });

    it('documents the Idempotency-Key header of purchases', () => {
      const op = doc.paths['/api/sales/{id}/purchases'].post as OperationObject;
      const header = op.parameters?.find(
        (p) => (p as ParameterObject).name === 'Idempotency-Key',
      ) as ParameterObject;
      expect(header).to.include({ in: 'header', required: false });
      const pattern = new RegExp(header.schema.pattern as string);
      expect(pattern.test('order-42')).to.equal(true);
      expect(pattern.test('has space')).to.equal(false);
      expect(pattern.test('k'.repeat(256))).to.equal(false);
    });

    it('refuses unknown fields in every request body', () => {
      for (const { method, path, op } of operations(doc)) {
        const ref = op.requestBody?.content['application/json'].schema.$ref;
        if (!ref) continue;
        const schema = doc.components.schemas[ref.split('/').pop() as string];
        expect(schema.additionalProperties, `${method} ${path}`).to.equal(false);
      }
    });
  });
});
