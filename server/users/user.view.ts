import type { Role, User } from './user.model';

/** The contract's `user`. */
export interface UserView {
  id: string;
  name: string;
  email: string;
  role: Role;
  createdAt: string;
}

/** Shapes a user document into the contract's `user`; the hash is never copied. */
export function toUserView(user: Pick<User, '_id' | 'name' | 'email' | 'role' | 'createdAt'>): UserView {
  return {
    id: String(user._id),
    name: user.name,
    email: user.email,
    role: user.role,
    createdAt: new Date(user.createdAt).toISOString(),
  };
}
