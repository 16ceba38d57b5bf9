/** School-year structure resolvers (R-YEAR-1, R-YEAR-2). */
export const yearResolvers: Function[] = [];
