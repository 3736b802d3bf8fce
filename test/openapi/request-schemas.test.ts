import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { expect } from 'chai';
import fc from 'fast-check';
import type Joi from 'joi';
import { toPathTemplate, type RouteSpec } from '../../server/http/route';
import { validateBody } from '../../server/http/validate';
import { buildOpenApiDocument } from '../../server/openapi';
import { bodySchemaName } from '../../server/openapi/operations';
import type { OperationObject, ParameterObject, SchemaObject } from '../../server/openapi/types';
import { parsePurchaseBody, purchaseBodySchema } from '../../server/purchases/purchases.schemas';
import { routeList, routes } from '../../server/routes';

/** A field the validators read: where it is, its dotted path, and whether it must be present. */
interface Field {
  where: 'path' | 'query' | 'header' | 'body';
  path: string;
  required: boolean;
}

type Described = Joi.Description & { keys?: Record<string, Described>; flags?: { presence?: string } };

/** Every field of a joi object, nested objects included, as joi itself describes it (not via the converter). */
function joiFields(schema: Joi.ObjectSchema | undefined, where: Field['where']): Field[] {
  if (!schema) return [];
  const fields: Field[] = [];
  const walk = (description: Described, prefix: string) => {
    for (const [name, child] of Object.entries(description.keys ?? {})) {
      const path = prefix ? `${prefix}.${name}` : name;
      fields.push({ where, path, required: child.flags?.presence === 'required' });
      walk(child, path);
    }
  };
  walk(schema.describe() as Described, '');
  return fields;
}

/** Every field an operation of the document declares: its parameters and its body's properties, nested. */
function documentedFields(doc: ReturnType<typeof buildOpenApiDocument>, op: OperationObject): Field[] {
  const fields: Field[] = (op.parameters ?? []).map((p) => {
    const parameter = p as ParameterObject;
    return { where: parameter.in as Field['where'], path: parameter.name, required: !!parameter.required };
  });
  const ref = op.requestBody?.content['application/json'].schema.$ref;
  const walk = (schema: SchemaObject, prefix: string) => {
    const required = new Set(schema.required ?? []);
    for (const [name, child] of Object.entries(schema.properties ?? {})) {
      const path = prefix ? `${prefix}.${name}` : name;
      fields.push({ where: 'body', path, required: required.has(name) });
      walk(child, path);
    }
  };
  if (ref) walk(doc.components.schemas[ref.split('/').pop() as string], '');
  return fields;
}

const key = (f: Field) => `${f.where} ${f.path}${f.required ? ' (required)' : ''}`;

describe('OpenAPI request schemas and the route table', () => {
  const doc = buildOpenApiDocument();
  const operationOf = (spec: RouteSpec) =>
    doc.paths[toPathTemplate(spec.path)]?.[spec.method] as OperationObject | undefined;

  it('has one operation per route of the table, and nothing else', () => {
    const inTable = routeList.map((r) => `${r.method} ${toPathTemplate(r.path)}`).sort();
    const inDoc = Object.entries(doc.paths)
      .flatMap(([path, item]) => Object.keys(item).map((method) => `${method} ${path}`))
      .sort();
    expect(inDoc).to.deep.equal(inTable);
    for (const spec of routeList) expect(operationOf(spec)?.operationId).to.equal(spec.operationId);
  });

  it('documents every field the validators read, with its presence, and no field they do not read', () => {
    let checked = 0;
    for (const spec of routeList) {
      const request = spec.request ?? {};
      const validated = [
        ...joiFields(request.params, 'path'),
        ...joiFields(request.query, 'query'),
        ...joiFields(request.headers, 'header'),
        ...joiFields(request.body, 'body'),
      ]
        .map(key)
        .sort();
      const documented = documentedFields(doc, operationOf(spec)!).map(key).sort();
      expect(documented, `${spec.method} ${spec.path}`).to.deep.equal(validated);
      checked += validated.length;
    }
    expect(checked).to.be.greaterThan(25);
  });

  it('documents the path parameters of every templated path', () => {
    for (const spec of routeList) {
      const names = [...spec.path.matchAll(/:(\w+)/g)].map((m) => m[1]);
      const inPath = (operationOf(spec)!.parameters ?? [])
        .map((p) => p as ParameterObject)
        .filter((p) => p.in === 'path')
        .map((p) => p.name);
      expect(inPath, `${spec.method} ${spec.path}`).to.deep.equal(names);
    }
  });

  it('shows the defaults the validators apply, null ones included', () => {
    const body = doc.components.schemas[bodySchemaName(routes.createSale)];
    expect(body.properties?.units.default).to.equal(200);
    expect(body.properties?.restartSchedule.default).to.equal(null);
    expect(body.properties?.promoCondition.default).to.equal(null);
    const limit = (operationOf(routes.listSales)!.parameters as ParameterObject[]).find(
      (p) => p.name === 'limit',
    );
    expect(limit?.schema.default).to.equal(50);
  });

  describe('every body the app accepts is valid by the document', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema({ ...doc, $id: 'openapi' });

    /** Values that some field of some body accepts, and many that none does. */
    const value = fc.oneof(
      {
        weight: 6,
        arbitrary: fc.constantFrom<unknown>(
          '65f0c0ffee0000000000abcd',
          '2031-01-01T10:00:00Z',
          '2031-01-01T10:00Z',
          '2031-01-01T10:00:00.123+02:00',
          '2031-02-30T10:00:00Z',
          '*/5 * * * *',
          'USD',
          'usd',
          '',
          ' ',
          'Ada',
          'ada@example.com',
          'a long enough password',
          null,
          true,
          { name: 'Launch' },
          { name: 'Launch', description: 'First run', extra: 1 },
        ),
      },
      { weight: 2, arbitrary: fc.integer({ min: -2, max: 10_002 }) },
      { weight: 1, arbitrary: fc.double({ min: 0, max: 3, noNaN: true }) },
      { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
    );

    /** A body each route accepts; the property mutates it field by field. */
    const valid: Record<string, Record<string, unknown>> = {
      register: { name: 'Ada', email: 'ada@example.com', password: 'a long enough password' },
      login: { email: 'ada@example.com', password: 'x' },
      createProduct: { name: 'Lamp', price: 2500 },
      createSale: { productId: '65f0c0ffee0000000000abcd', price: 1000, startsAt: '2031-01-01T10:00:00Z' },
      openRound: { startsAt: '2031-01-01T10:00:00Z' },
      purchase: { quantity: 2 },
    };
    const KEEP = Symbol('keep');
    const DROP = Symbol('drop');

    for (const spec of routeList.filter((r) => r.request?.body)) {
      it(`${spec.method.toUpperCase()} ${spec.path}`, () => {
        const joi = spec.request!.body!;
        const base = valid[spec.operationId];
        expect(base, `a valid ${spec.operationId} body in this test`).to.be.an('object');
        const names = [...Object.keys((joi.describe() as Described).keys ?? {}), 'unknownField'];
        const change = fc.oneof(
          { weight: 6, arbitrary: fc.constant<unknown>(KEEP) },
          { weight: 1, arbitrary: fc.constant<unknown>(DROP) },
          { weight: 2, arbitrary: value },
        );
        const validate = ajv.getSchema(`openapi#/components/schemas/${bodySchemaName(spec)}`)!;
        let accepted = 0;
        fc.assert(
          fc.property(fc.record(Object.fromEntries(names.map((n) => [n, change]))), (changes) => {
            const body: Record<string, unknown> = {};
            for (const [name, to] of Object.entries(changes)) {
              if (to === KEEP && name in base) body[name] = base[name];
              else if (to !== KEEP && to !== DROP) body[name] = to;
            }
            try {
              validateBody(joi, body);
            } catch {
              return true;
            }
            accepted += 1;
            return validate(body) === true;
          }),
          { numRuns: 600, seed: 42 },
        );
        // The check above has to see accepted bodies to mean anything.
        expect(accepted, 'bodies the app accepted').to.be.greaterThan(10);
      });
    }
  });

  it("answers the purchase body's fast path exactly as its joi schema does", () => {
    const read = (f: () => unknown) => {
      try {
        return { value: f() };
      } catch (error) {
        return { error: (error as { details?: unknown }).details };
      }
    };
    fc.assert(
      fc.property(
        fc.oneof(
          fc.constant(undefined),
          fc.record({ quantity: fc.oneof(fc.integer({ min: -1, max: 10_001 }), fc.double(), fc.string()) }),
          fc.dictionary(fc.constantFrom('quantity', 'extra', 'constructor'), fc.jsonValue(), { maxKeys: 3 }),
          fc.jsonValue(),
        ),
        (body) => {
          const fast = read(() => parsePurchaseBody(body));
          const joi = read(() => validateBody(purchaseBodySchema, body));
          expect(fast).to.deep.equal(joi);
        },
      ),
      { numRuns: 500, seed: 7 },
    );
  });
});
