/** Resolvers of the live events. */
export const eventResolvers: Function[] = [];
