-- rdock for Neovim: `require("rdock").setup({ ... })`.
-- Neovim 0.11+: vim.lsp.config / vim.lsp.enable. Older (0.7 to 0.10):
-- vim.lsp.start_client / vim.lsp.buf_attach_client from a FileType autocmd.
local M = {}

M.defaults = {
  cmd = { "rdock", "lsp" },
  -- Sent as initializationOptions and workspace/didChangeConfiguration.
  settings = { target = nil, fixAll = true },
  -- Apply source.fixAll.rdock before writing a Dockerfile.
  fix_all_on_save = true,
  -- Buffer-local K (hover) and gd (go to definition) where rdock attaches.
  keymaps = true,
}

local patterns = { "Containerfile", "Containerfile.*", "Dockerfile.*", "*.Dockerfile", "*.dockerfile" }

local function filetypes()
  if vim.filetype and vim.filetype.add then
    vim.filetype.add({
      filename = { Containerfile = "dockerfile" },
      pattern = {
        ["Dockerfile%..*"] = "dockerfile",
        [".*%.Dockerfile"] = "dockerfile",
        [".*%.dockerfile"] = "dockerfile",
        ["Containerfile%..*"] = "dockerfile",
      },
    })
  end
  -- Neovim 0.7 has vim.filetype.add but reads its rules only with
  -- g:do_filetype_lua = 1; its filetype.vim misses *.dockerfile.
  if vim.fn.has("nvim-0.8") == 0 then
    vim.api.nvim_create_autocmd({ "BufRead", "BufNewFile" }, {
      group = vim.api.nvim_create_augroup("rdock_filetypes", { clear = true }),
      pattern = patterns,
      command = "setfiletype dockerfile",
    })
  end
end

M.root_markers = { ".rdock.toml", "rdock.toml", ".git" }

--- The nearest folder above `fname` holding one of M.root_markers, else
--- the file's own folder.
function M.root_dir(fname)
  local start = vim.fn.fnamemodify(fname, ":p:h")
  local dir = start
  while true do
    for _, marker in ipairs(M.root_markers) do
      if vim.loop.fs_stat(dir .. "/" .. marker) then
        return dir
      end
    end
    local parent = vim.fn.fnamemodify(dir, ":h")
    if parent == dir then
      return start
    end
    dir = parent
  end
end

--- Apply the fix-all code action synchronously (for BufWritePre).
function M.fix_all(bufnr, timeout_ms)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local params = vim.lsp.util.make_range_params()
  params.context = { only = { "source.fixAll.rdock" }, diagnostics = {} }
  local results = vim.lsp.buf_request_sync(bufnr, "textDocument/codeAction", params, timeout_ms or 1000)
  for client_id, res in pairs(results or {}) do
    local client = vim.lsp.get_client_by_id(client_id)
    for _, action in ipairs(res.result or {}) do
      -- rdock resolves edits lazily when the client supports codeAction/resolve.
      if not action.edit and client then
        local resolved = client.request_sync("codeAction/resolve", action, timeout_ms or 1000, bufnr)
        action = resolved and resolved.result or action
      end
      if action.edit then
        vim.lsp.util.apply_workspace_edit(action.edit, client and client.offset_encoding or "utf-16")
      end
    end
  end
end

function M.setup(opts)
  opts = vim.tbl_deep_extend("force", M.defaults, opts or {})
  filetypes()
  local function on_attach(_, bufnr)
    if opts.keymaps then
      vim.keymap.set("n", "K", vim.lsp.buf.hover, { buffer = bufnr, desc = "rdock: hover" })
      vim.keymap.set("n", "gd", vim.lsp.buf.definition, { buffer = bufnr, desc = "rdock: go to definition" })
    end
  end
  local config = {
    name = "rdock",
    cmd = opts.cmd,
    filetypes = { "dockerfile" },
    init_options = opts.settings,
    settings = { rdock = opts.settings },
    on_attach = on_attach,
  }
  if vim.lsp.config and vim.lsp.enable then
    config.root_markers = M.root_markers
    vim.lsp.config("rdock", config)
    vim.lsp.enable("rdock")
  else
    -- One client per root folder (M.root_dir): a Dockerfile of another
    -- project gets its own server, with that project's .rdock.toml.
    local clients = {}
    local group = vim.api.nvim_create_augroup("rdock_lsp", { clear = true })
    vim.api.nvim_create_autocmd("FileType", {
      group = group,
      pattern = "dockerfile",
      callback = function(args)
        local root = M.root_dir(vim.api.nvim_buf_get_name(args.buf))
        local id = clients[root]
        local client = id and vim.lsp.get_client_by_id(id)
        if not client or client.is_stopped() then
          id = vim.lsp.start_client(vim.tbl_extend("force", config, { root_dir = root }))
          clients[root] = id
        end
        if id then
          vim.lsp.buf_attach_client(args.buf, id)
        end
      end,
    })
  end
  if opts.fix_all_on_save then
    vim.api.nvim_create_autocmd("BufWritePre", {
      group = vim.api.nvim_create_augroup("rdock_fix_all", { clear = true }),
      pattern = vim.list_extend({ "Dockerfile" }, patterns),
      callback = function(args)
        M.fix_all(args.buf, 1000)
      end,
    })
  end
end

return M
