// migrate-drop-property: removes an obsolete property from every entity of a kind that has it.

import { param } from '../../src/index.ts';
import { defineMigration } from '../datastore-migration.ts';

export const migrateDropProperty = defineMigration({
  name: 'migrate-drop-property',
  description:
    'Removes property PROPERTY from every entity of kind KIND (params kind, property; dryRun to preview).',
  params: {
    kind: param.string({ required: true, description: 'The kind, e.g. Tweet.' }),
    property: param.string({ required: true, description: 'The obsolete property to remove.' }),
  },
  kind: (p) => p.kind,
  migrate: (_entity, p) => ({ remove: [p.property] }),
});
