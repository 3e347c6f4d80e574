import { createRequire } from 'node:module';

/**
 * The Chinese font embedded in every PDF: Noto Sans SC (SIL Open Font License 1.1, from the
 * registry package @expo-google-fonts/noto-sans-sc; see apps/reports/NOTICE.md). pdfkit embeds
 * a subset holding only the glyphs used, with a ToUnicode map, so text renders on any reader
 * and can be extracted. The package's static TTFs are used because pdfkit renders blank text
 * with fonts cut into WOFF2 slices (dependency-notes.md).
 */
const require = createRequire(import.meta.url);

export const FONT_REGULAR = 'NotoSansSC';
export const FONT_BOLD = 'NotoSansSC-Bold';

export const FONT_FILES = {
  regular: require.resolve('@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf'),
  bold: require.resolve('@expo-google-fonts/noto-sans-sc/700Bold/NotoSansSC_700Bold.ttf'),
};
