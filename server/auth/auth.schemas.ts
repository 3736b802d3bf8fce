import Joi from 'joi';
import { fitsBcrypt, MAX_PASSWORD_BYTES } from './passwords';

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
  .max(MAX_PASSWORD_BYTES)
  .custom((value: string, helpers) => (fitsBcrypt(value) ? value : helpers.error('string.max')))
  .description('8 to 72 characters (at most 72 bytes)');

/** POST /api/auth/register body. */
export const registerSchema = Joi.object<RegisterInput>({
  name: Joi.string().min(1).max(100).pattern(/\S/).required(),
  email: Joi.string().email({ tlds: false }).max(254).required(),
  password: password.required(),
});

/**
 * POST /api/auth/login body (no format rules: a wrong email is just wrong credentials, and a password of any
 * length, up to the body limit, is checked like any other, so one bcrypt cannot read is a wrong password).
 */
export const loginSchema = Joi.object<LoginInput>({
  email: Joi.string().min(1).max(254).required(),
  password: Joi.string().min(1).required(),
});
