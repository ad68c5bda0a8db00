/**
 * Why the process cannot start, in words that name the fix: printed as one line, without a stack,
 * and the process exits with code 1.
 */
export class StartupError extends Error {}
