/** Everything a sale view needs: the bookkeeping maps can be large and stay in the database. */
export const VIEW_PROJECTION = { buyers: 0, keys: 0, pending: 0, seq: 0 } as const;
