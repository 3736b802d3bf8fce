import type { Connection, Types } from 'mongoose';
import { AppError } from '../errors';
import { productModel, type Product } from './product.model';
import type { CreateProductInput } from './products.schemas';

/** Products: created by admins, read by anyone. */
export interface ProductsService {
  create(input: CreateProductInput): Promise<Product>;
  list(): Promise<Product[]>;
  /** Throws NOT_FOUND for an unknown id. */
  get(id: Types.ObjectId): Promise<Product>;
}

/** Builds the products service over one connection. */
export function createProductsService(connection: Connection): ProductsService {
  const products = productModel(connection);
  return {
    async create(input) {
      const product = await products.create({ ...input, name: input.name.trim() });
      return product.toObject();
    },
    list: () => products.find().sort({ _id: 1 }).limit(1000).lean<Product[]>(),
    async get(id) {
      const product = await products.findById(id).lean<Product>();
      if (!product) throw new AppError('NOT_FOUND', { message: 'No such product' });
      return product;
    },
  };
}
