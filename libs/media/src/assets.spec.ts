import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GlobalFonts } from '@napi-rs/canvas';
import { findAssetsDir, memeFont } from './assets';

const REPO_ASSETS = resolve(__dirname, '../../../assets');

describe('findAssetsDir', () => {
  it('finds the repository assets from the source tree', () => {
    expect(findAssetsDir()).toBe(REPO_ASSETS);
  });

  it('finds them from where the compiled file runs, several directories deeper', () => {
    expect(findAssetsDir(resolve(__dirname, '../../../dist/apps/api/libs/media/src'))).toBe(REPO_ASSETS);
  });

  it('fails, naming the font, when no directory above has it', () => {
    const outside = mkdtempSync(join(tmpdir(), 'maas-no-assets-'));
    try {
      expect(() => findAssetsDir(outside)).toThrow(/assets\/fonts\/Anton-Regular\.ttf not found/);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});

describe('memeFont', () => {
  it('registers the shipped Anton and names its family', () => {
    expect(memeFont()).toBe('Anton');
    expect(GlobalFonts.has('Anton')).toBe(true);
  });
});
