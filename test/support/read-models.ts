// Fresh read models for tests that open an event store on a log of their own:
// each in a new temp directory, all closed and removed after the file's tests.
import { temporaryReadModel, type LmdbReadModel } from '@app/read-model';

const disposals: (() => Promise<void>)[] = [];
afterAll(() => Promise.all(disposals.splice(0).map((dispose) => dispose())));

/** An empty read model: a store opened on it replays the whole log. */
export function freshReadModel(): LmdbReadModel {
  const { model, dispose } = temporaryReadModel();
  disposals.push(dispose);
  return model;
}
