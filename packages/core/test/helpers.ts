import { isMyContentError, type MyContentError } from '@mycontent/core';

/** The `MyContentError` a promise rejects with (any other outcome fails the test). */
export async function rejection(promise: Promise<unknown>): Promise<MyContentError> {
  try {
    await promise;
  } catch (error) {
    if (isMyContentError(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection with a MyContentError');
}
