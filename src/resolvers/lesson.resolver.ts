/** Resolvers of the lesson feature. */
export const lessonResolvers: Function[] = [];
