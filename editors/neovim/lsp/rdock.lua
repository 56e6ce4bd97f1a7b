-- rdock for Neovim 0.11+: with this folder on 'runtimepath', vim.lsp.config
-- reads this file for "rdock"; `vim.lsp.enable("rdock")` starts it.
-- (Older Neovim: require("rdock").setup(), see README.md.)
return {
  cmd = { "rdock", "lsp" },
  filetypes = { "dockerfile" },
  root_markers = { ".rdock.toml", "rdock.toml", ".git" },
  -- Settings (target, buildArgs, select, ignore, allowedRegistries, fixAll).
  init_options = { fixAll = true },
  settings = { rdock = { fixAll = true } },
}
