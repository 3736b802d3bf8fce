import type { Product } from './product.model';

/** The contract's `product`. */
export interface ProductView {
  id: string;
  name: string;
  description: string;
  price: number;
  currency: string;
  createdAt: string;
}

/** Shapes a product document into the contract's `product`. */
export function toProductView(product: Product): ProductView {
  return {
    id: String(product._id),
    name: product.name,
    description: product.description,
    price: product.price,
    currency: product.currency,
    createdAt: new Date(product.createdAt).toISOString(),
  };
}
