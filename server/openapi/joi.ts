import type Joi from 'joi';
import parse from 'joi-to-json';
import type { ParameterObject, SchemaObject } from './types';

/**
 * A joi schema as JSON Schema 2020-12, the dialect of OpenAPI 3.1, by joi-to-json: it reads joi's public
 * `describe()` output and supports joi 17 and 18. It leaves out defaults of `null` (`.default(null)`), which are
 * put back here so the document shows every default the validators apply.
 */
export function toJsonSchema(schema: Joi.Schema): SchemaObject {
  const json = parse(schema as never, 'open-api-3.1') as SchemaObject;
  restoreNullDefaults(schema.describe(), json);
  return json;
}

function restoreNullDefaults(description: Joi.Description, json: SchemaObject): void {
  if ((description.flags as { default?: unknown } | undefined)?.default === null) json.default = null;
  const keys = (description as { keys?: Record<string, Joi.Description> }).keys ?? {};
  for (const [name, child] of Object.entries(keys)) {
    const property = json.properties?.[name];
    if (property) restoreNullDefaults(child, property);
  }
}

/** The OpenAPI parameters of a joi object of path, query or header fields; each description moves up a level. */
export function parametersOf(schema: Joi.ObjectSchema, where: ParameterObject['in']): ParameterObject[] {
  const json = toJsonSchema(schema);
  const required = new Set(json.required ?? []);
  return Object.entries(json.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: where,
      required: where === 'path' || required.has(name),
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}
