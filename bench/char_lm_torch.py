#!/usr/bin/python3
"""PyTorch twin of examples/char_lm: the same data, split, model, init, optimizer, schedule, CLI flags and
output lines, so that ms/iteration and the final validation loss can be compared side by side.

  /usr/bin/python3 bench/char_lm_torch.py --threads 1          (PyTorch 1.13 CPU, Debian's python3-torch)

PyTorch 1.13 has no F.scaled_dot_product_attention: attention is softmax(q kᵀ · scale + causal mask) · v.
Random streams differ from tapegrad's (batches, init, sampling), so the two runs agree statistically.
"""
import argparse
import math
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def read_fortunes(directory):
    names = sorted(
        (n for n in os.listdir(directory) if "." not in n and os.path.isfile(os.path.join(directory, n))
         and not os.path.islink(os.path.join(directory, n))),
        key=lambda n: n.encode())
    if not names:
        sys.exit(f"char_lm_torch: no fortune files in {directory}")
    return b"".join(open(os.path.join(directory, n), "rb").read() for n in names)


class CausalSelfAttention(nn.Module):
    def __init__(self, args):
        super().__init__()
        self.n_head, self.n_embd, self.dropout = args.heads, args.embd, args.dropout
        self.c_attn = nn.Linear(args.embd, 3 * args.embd)
        self.c_proj = nn.Linear(args.embd, args.embd)
        self.attn_dropout = nn.Dropout(args.dropout)
        self.resid_dropout = nn.Dropout(args.dropout)
        self.register_buffer("causal", torch.ones(args.block, args.block, dtype=torch.bool).tril())

    def forward(self, x):
        b, t, c = x.shape
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        q, k, v = (z.view(b, t, self.n_head, c // self.n_head).transpose(1, 2) for z in (q, k, v))
        scores = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        scores = scores.masked_fill(~self.causal[:t, :t], float("-inf"))
        y = self.attn_dropout(F.softmax(scores, dim=-1)) @ v
        return self.resid_dropout(self.c_proj(y.transpose(1, 2).contiguous().view(b, t, c)))


class MLP(nn.Module):
    def __init__(self, args):
        super().__init__()
        self.c_fc = nn.Linear(args.embd, 4 * args.embd)
        self.c_proj = nn.Linear(4 * args.embd, args.embd)
        self.dropout = nn.Dropout(args.dropout)

    def forward(self, x):
        return self.dropout(self.c_proj(F.gelu(self.c_fc(x))))


class Block(nn.Module):
    def __init__(self, args):
        super().__init__()
        self.ln_1, self.ln_2 = nn.LayerNorm(args.embd), nn.LayerNorm(args.embd)
        self.attn, self.mlp = CausalSelfAttention(args), MLP(args)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, args, vocab_size):
        super().__init__()
        self.block = args.block
        self.wte = nn.Embedding(vocab_size, args.embd)
        self.wpe = nn.Embedding(args.block, args.embd)
        self.drop = nn.Dropout(args.dropout)
        self.h = nn.ModuleList(Block(args) for _ in range(args.layers))
        self.ln_f = nn.LayerNorm(args.embd)
        # nanoGPT's init: N(0, 0.02) matrices, zero biases, residual projections 0.02 / sqrt(2 layers).
        for module in self.modules():
            if isinstance(module, (nn.Linear, nn.Embedding)):
                nn.init.normal_(module.weight, 0.0, 0.02)
            if isinstance(module, nn.Linear) and module.bias is not None:
                nn.init.zeros_(module.bias)
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * args.layers))

    def forward(self, idx, targets=None):
        t = idx.size(1)
        x = self.drop(self.wte(idx) + self.wpe(torch.arange(t, device=idx.device)))
        for block in self.h:
            x = block(x)
        logits = F.linear(self.ln_f(x), self.wte.weight)  # tied head
        if targets is None:
            return logits
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.reshape(-1))


def learning_rate_at(it, args):
    if it < args.warmup:
        return args.lr * (it + 1) / (args.warmup + 1)
    if it > args.iters:
        return args.min_lr
    ratio = (it - args.warmup) / (args.iters - args.warmup) if args.iters > args.warmup else 1.0
    return args.min_lr + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (args.lr - args.min_lr)


def random_batch(ids, args):
    starts = torch.randint(len(ids) - args.block, (args.batch,))
    x = torch.stack([ids[s:s + args.block] for s in starts])
    y = torch.stack([ids[s + 1:s + 1 + args.block] for s in starts])
    return x, y


@torch.no_grad()
def evaluate(model, train, val, args, it):
    model.eval()
    losses = [sum(model(*random_batch(ids, args)).item() for _ in range(args.eval_iters)) / args.eval_iters
              for ids in (train, val)]
    model.train()
    print(f"iter {it}: train loss {losses[0]:.4f}, val loss {losses[1]:.4f}", flush=True)
    return it, losses[0], losses[1]


@torch.no_grad()
def sample(model, idx, args):
    model.eval()
    for _ in range(args.sample_tokens):
        logits = model(idx[:, -args.block:])[:, -1, :] / args.temperature
        if 0 < args.top_k < logits.size(-1):
            kth = torch.topk(logits, args.top_k).values[:, -1:]
            logits = logits.masked_fill(logits < kth, float("-inf"))
        if args.top_p < 1:
            sorted_logits, order = torch.sort(logits, descending=True)
            probs = F.softmax(sorted_logits, dim=-1)
            sorted_logits = sorted_logits.masked_fill(probs.cumsum(-1) - probs >= args.top_p, float("-inf"))
            logits = logits.scatter(-1, order, sorted_logits)
        idx = torch.cat([idx, torch.multinomial(F.softmax(logits, dim=-1), 1)], dim=1)
    return idx


def main():
    p = argparse.ArgumentParser(description="PyTorch twin of examples/char_lm (character-level GPT on fortunes).")
    for flag, default, kind in [("layers", 4, int), ("heads", 4, int), ("embd", 128, int), ("block", 64, int),
                                ("batch", 12, int), ("iters", 2000, int), ("lr", 1e-3, float),
                                ("min-lr", 1e-4, float), ("warmup", 100, int), ("weight-decay", 0.1, float),
                                ("dropout", 0.0, float), ("eval-interval", 250, int), ("eval-iters", 20, int),
                                ("threads", 0, int), ("seed", 1337, int), ("sample-tokens", 300, int),
                                ("temperature", 1.0, float), ("top-k", 0, int), ("top-p", 1.0, float),
                                ("data-dir", "/usr/share/games/fortunes", str),
                                ("output-dir", "char_lm_torch_output", str), ("max-val-loss", 0.0, float)]:
        p.add_argument("--" + flag, type=kind, default=default)
    args = p.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    text = read_fortunes(args.data_dir)
    vocab = sorted(set(text))
    id_of = {b: i for i, b in enumerate(vocab)}
    ids = torch.tensor([id_of[b] for b in text], dtype=torch.int64)
    n_train = int(0.9 * len(ids))
    train, val = ids[:n_train], ids[n_train:]
    print(f"fortunes: {len(text)} bytes, vocabulary {len(vocab)}, train {len(train)}, val {len(val)}")

    model = GPT(args, len(vocab))
    print(f"model: {sum(p.numel() for p in model.parameters()) / 1e6:.2f} M parameters")
    params = list(model.parameters())
    optimizer = torch.optim.AdamW([{"params": [p for p in params if p.dim() >= 2], "weight_decay": args.weight_decay},
                                   {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}],
                                  lr=args.lr, betas=(0.9, 0.95))

    history, train_seconds = [], 0.0
    for it in range(args.iters):
        if args.eval_interval > 0 and it % args.eval_interval == 0:
            history.append(evaluate(model, train, val, args, it))
        start = time.perf_counter()
        lr = learning_rate_at(it, args)
        for group in optimizer.param_groups:
            group["lr"] = lr
        x, y = random_batch(train, args)
        loss = model(x, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        loss.item()
        train_seconds += time.perf_counter() - start
    history.append(evaluate(model, train, val, args, args.iters))
    final_val_loss = history[-1][2]
    print(f"final val loss {final_val_loss:.4f}")

    os.makedirs(args.output_dir, exist_ok=True)
    torch.save(model.state_dict(), os.path.join(args.output_dir, "char_lm_torch.pt"))
    with open(os.path.join(args.output_dir, "curve.csv"), "w") as out:
        out.write("iter,train_loss,val_loss\n")
        out.writelines(f"{i},{t},{v}\n" for i, t, v in history)
    print(f"training: {1e3 * train_seconds / max(args.iters, 1):.2f} ms per iteration")
    if args.sample_tokens > 0:
        start = torch.tensor([[id_of[ord("\n")] if ord("\n") in id_of else ids[0].item()]])
        out = sample(model, start, args)
        print(f"---- sample ({args.sample_tokens} tokens) ----")
        print(bytes(vocab[i] for i in out[0].tolist()).decode("utf-8", errors="replace"))
    if args.max_val_loss > 0 and not final_val_loss <= args.max_val_loss:
        sys.exit(f"char_lm_torch: final val loss {final_val_loss:.4f} is above --max-val-loss {args.max_val_loss}")


if __name__ == "__main__":
    main()
