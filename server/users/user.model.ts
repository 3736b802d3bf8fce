import { Schema, type Connection, type Model, type Types } from 'mongoose';

/** A buyer or an admin. */
export type Role = 'user' | 'admin';

/** The user document; `passwordHash` never leaves the server. */
export interface User {
  _id: Types.ObjectId;
  name: string;
  /** Stored lower-cased; unique. */
  email: string;
  passwordHash: string;
  role: Role;
  createdAt: Date;
  updatedAt: Date;
}

/** Schema of the `users` collection. */
export const userSchema = new Schema<User>(
  {
    name: { type: String, required: true, trim: true },
    email: { type: String, required: true, lowercase: true, trim: true },
    passwordHash: { type: String, required: true },
    role: { type: String, enum: ['user', 'admin'], required: true, default: 'user' },
  },
  { collection: 'users', versionKey: false, timestamps: true },
);

// Case-insensitive uniqueness: emails are lower-cased before they reach the index.
userSchema.index({ email: 1 }, { unique: true });

/** The User model bound to a connection. */
export function userModel(connection: Connection): Model<User> {
  return (connection.models.User as Model<User> | undefined) ?? connection.model<User>('User', userSchema);
}
