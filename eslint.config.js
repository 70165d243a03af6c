import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import { layerConfig } from './eslint.layers.js'

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.e2e/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname }
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }
      ]
    }
  },
  layerConfig(import.meta.dirname),
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked
  },
  {
    files: ['__tests__/**', 'test/**'],
    rules: {
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/require-await': 'off'
    }
  }
)
