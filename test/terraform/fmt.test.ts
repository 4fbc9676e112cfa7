// terraform/ is formatted the way `terraform fmt` wants it (offline: fmt needs no provider).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REPO, runTerraform, terraformVersion } from './helpers.ts';

test('terraform fmt -check -recursive terraform/ finds nothing to reformat', async () => {
  const result = await runTerraform(['fmt', '-check', '-recursive', '-diff', 'terraform/'], REPO);
  assert.equal(
    result.code,
    0,
    `terraform fmt reports unformatted files (${terraformVersion()}); run \`terraform fmt -recursive terraform/\`:\n` +
      `${result.stdout}${result.stderr}`,
  );
});
