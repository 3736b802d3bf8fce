import { Types } from 'mongoose';

/**
 * Well-known ids of the demo product and sale ("demo-product" and "demo-sale-01" in ASCII). Fixed ids make
 * seeding safe when several instances start at once: the second insert of the same `_id` is a no-op or a
 * duplicate-key error, never a second demo sale. Scripts use them to find the demo sale without asking.
 */
export const DEMO_PRODUCT_ID = '64656d6f2d70726f64756374';
export const DEMO_SALE_ID = '64656d6f2d73616c652d3031';

/** The email of the admin created with a generated password (embedded database, no ADMIN_EMAIL). */
export const DEMO_ADMIN_EMAIL = 'admin@demo.local';

/** The demo ids as ObjectIds. */
export const demoObjectIds = () => ({
  productId: new Types.ObjectId(DEMO_PRODUCT_ID),
  saleId: new Types.ObjectId(DEMO_SALE_ID),
});
