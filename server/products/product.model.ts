import { Schema, type Connection, type Model, type Types } from 'mongoose';

/** What is sold, at its regular price (minor units). */
export interface Product {
  _id: Types.ObjectId;
  name: string;
  description: string;
  price: number;
  currency: string;
  createdAt: Date;
  updatedAt: Date;
}

/** Schema of the `products` collection. */
export const productSchema = new Schema<Product>(
  {
    name: { type: String, required: true, trim: true },
    description: { type: String, default: '' },
    price: { type: Number, required: true, min: 0 },
    currency: { type: String, required: true, default: 'USD' },
  },
  { collection: 'products', versionKey: false, timestamps: true },
);

/** The Product model bound to a connection. */
export function productModel(connection: Connection): Model<Product> {
  return (
    (connection.models.Product as Model<Product> | undefined) ??
    connection.model<Product>('Product', productSchema)
  );
}
