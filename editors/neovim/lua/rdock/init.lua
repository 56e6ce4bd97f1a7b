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
}

local function filetypes()
  vim.filetype = vim.filetype or {}
  if vim.filetype.add then
    vim.filetype.add({
      filename = { Containerfile = "dockerfile" },
      pattern = {
        ["Dockerfile%..*"] = "dockerfile",
        [".*%.Dockerfile"] = "dockerfile",
        [".*%.dockerfile"] = "dockerfile",
        ["Containerfile%..*"] = "dockerfile",
      },
    })
  else
    vim.cmd([[
      augroup rdock_filetypes
        autocmd!
        autocmd BufRead,BufNewFile Containerfile,Containerfile.*,Dockerfile.*,*.Dockerfile,*.dockerfile setfiletype dockerfile
      augroup END
    ]])
  end
end

local function root_dir(fname)
  local dir = vim.fn.fnamemodify(fname, ":p:h")
  local found = vim.fn.findfile(".rdock.toml", dir .. ";")
  if found ~= "" then
    return vim.fn.fnamemodify(found, ":p:h")
  end
  local git = vim.fn.finddir(".git", dir .. ";")
  if git ~= "" then
    return vim.fn.fnamemodify(git, ":p:h:h")
  end
  return dir
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
  local config = {
    name = "rdock",
    cmd = opts.cmd,
    filetypes = { "dockerfile" },
    init_options = opts.settings,
    settings = { rdock = opts.settings },
  }
  if vim.lsp.config and vim.lsp.enable then
    config.root_markers = { ".rdock.toml", "rdock.toml", ".git" }
    vim.lsp.config("rdock", config)
    vim.lsp.enable("rdock")
  else
    local group = vim.api.nvim_create_augroup("rdock_lsp", { clear = true })
    local client_id
    vim.api.nvim_create_autocmd("FileType", {
      group = group,
      pattern = "dockerfile",
      callback = function(args)
        if not client_id or not vim.lsp.get_client_by_id(client_id) then
          client_id = vim.lsp.start_client({
            name = "rdock",
            cmd = opts.cmd,
            root_dir = root_dir(vim.api.nvim_buf_get_name(args.buf)),
            init_options = opts.settings,
            settings = { rdock = opts.settings },
          })
        end
        if client_id then
          vim.lsp.buf_attach_client(args.buf, client_id)
        end
      end,
    })
  end
  if opts.fix_all_on_save then
    vim.api.nvim_create_autocmd("BufWritePre", {
      group = vim.api.nvim_create_augroup("rdock_fix_all", { clear = true }),
      pattern = { "Dockerfile", "Dockerfile.*", "*.Dockerfile", "*.dockerfile", "Containerfile", "Containerfile.*" },
      callback = function(args)
        M.fix_all(args.buf, 1000)
      end,
    })
  end
end

return M
