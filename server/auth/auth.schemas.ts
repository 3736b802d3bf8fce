import Joi from 'joi';

/** Register body; bcrypt reads at most 72 bytes, so longer passwords are refused rather than truncated. */
export interface RegisterInput {
  name: string;
  email: string;
  password: string;
}

/** Login body. */
export interface LoginInput {
  email: string;
  password: string;
}

const password = Joi.string()
  .min(8)
  .max(72)
  .custom((value: string, helpers) => (Buffer.byteLength(value) > 72 ? helpers.error('string.max') : value));

/** POST /api/auth/register body. */
export const registerSchema = Joi.object<RegisterInput>({
  name: Joi.string().min(1).max(100).pattern(/\S/).required(),
  email: Joi.string().email({ tlds: false }).max(254).required(),
  password: password.required(),
});

/** POST /api/auth/login body (no format rules: a wrong email is just wrong credentials). */
export const loginSchema = Joi.object<LoginInput>({
  email: Joi.string().min(1).max(254).required(),
  password: Joi.string().min(1).max(1024).required(),
});
