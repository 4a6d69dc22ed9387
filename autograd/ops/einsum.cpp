#include <algorithm>
#include <cctype>
#include <map>
#include <string>
#include <vector>

#include <tapegrad/autograd/ops/diagonal.hpp>
#include <tapegrad/autograd/ops/einsum.hpp>
#include <tapegrad/autograd/ops/matmul.hpp>
#include <tapegrad/autograd/ops/reduction.hpp>
#include <tapegrad/autograd/ops/shape.hpp>

namespace tg {
namespace {

// Letters are labels 0..51; the dims under "..." get labels from kEllipsis on, aligned from the right
// so that they broadcast across operands as NumPy does.
constexpr int kEllipsis = 52;
using Labels = std::vector<int>;

int letter_label(char c) { return std::islower(static_cast<unsigned char>(c)) ? c - 'a' : 26 + (c - 'A'); }

std::string label_text(int label) {
  if (label >= kEllipsis) return "...";
  return std::string(1, label < 26 ? static_cast<char>('a' + label) : static_cast<char>('A' + label - 26));
}

struct Term {
  std::string letters;  // as written, "..." kept
  bool has_ellipsis = false;
};

Term parse_term(std::string_view equation, std::string_view text) {
  Term term;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '.') {
      check(!term.has_ellipsis && text.substr(i, 3) == "...", "einsum", "malformed ellipsis in \"", equation,
            "\"; write exactly one \"...\" per operand");
      term.has_ellipsis = true;
      term.letters += "...";
      i += 2;
      continue;
    }
    check(std::isalpha(static_cast<unsigned char>(c)) != 0, "einsum", "invalid subscript '",
          std::string(1, c), "' in \"", equation, "\"; subscripts are letters a-z, A-Z");
    term.letters += c;
  }
  return term;
}

std::int64_t letter_count(const Term& term) {
  return static_cast<std::int64_t>(term.letters.size()) - (term.has_ellipsis ? 3 : 0);
}

Labels term_labels(const Term& term, std::int64_t ellipsis_dims, std::int64_t max_ellipsis_dims) {
  Labels labels;
  for (std::size_t i = 0; i < term.letters.size(); ++i) {
    if (term.letters[i] == '.') {
      for (std::int64_t d = 0; d < ellipsis_dims; ++d)
        labels.push_back(kEllipsis + static_cast<int>(max_ellipsis_dims - ellipsis_dims + d));
      i += 2;
      continue;
    }
    labels.push_back(letter_label(term.letters[i]));
  }
  return labels;
}

struct Operand {
  Tensor tensor;
  Labels labels;
};

bool contains(const Labels& labels, int label) {
  return std::find(labels.begin(), labels.end(), label) != labels.end();
}

// Sums out the dims whose labels are not in `keep`.
Operand sum_out(Operand operand, const Labels& keep) {
  Shape dims;
  Labels kept;
  for (std::size_t d = 0; d < operand.labels.size(); ++d) {
    if (contains(keep, operand.labels[d]))
      kept.push_back(operand.labels[d]);
    else
      dims.push_back(static_cast<std::int64_t>(d));
  }
  if (dims.empty()) return operand;
  return {sum(operand.tensor, dims), kept};
}

std::int64_t size_of(const Operand& operand, int label) {
  const auto at = std::find(operand.labels.begin(), operand.labels.end(), label) - operand.labels.begin();
  return operand.tensor.size(at);
}

std::int64_t dim_of(const Operand& operand, int label) {
  return std::find(operand.labels.begin(), operand.labels.end(), label) - operand.labels.begin();
}

// [batch..., free..., contracted...] (or contracted before free for the right side), expanded to the
// broadcast batch sizes, as a 3-D tensor for bmm.
Tensor arrange(const Operand& operand, const Labels& batch, const Shape& batch_sizes,
               const Labels& free_labels, const Labels& contracted, bool contracted_first) {
  Shape order, sizes;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    order.push_back(dim_of(operand, batch[i]));
    sizes.push_back(batch_sizes[i]);
  }
  const Labels& first = contracted_first ? contracted : free_labels;
  const Labels& second = contracted_first ? free_labels : contracted;
  std::int64_t rows = 1, cols = 1;
  for (int label : first) {
    order.push_back(dim_of(operand, label));
    sizes.push_back(size_of(operand, label));
    rows *= size_of(operand, label);
  }
  for (int label : second) {
    order.push_back(dim_of(operand, label));
    sizes.push_back(size_of(operand, label));
    cols *= size_of(operand, label);
  }
  std::int64_t batch_count = 1;
  for (std::int64_t size : batch_sizes) batch_count *= size;
  Tensor arranged = permute(operand.tensor, order);
  if (arranged.sizes() != sizes) arranged = arranged.expand(sizes);
  return arranged.reshape({batch_count, rows, cols});
}

// One bmm: labels in both operands are batch dims when kept, contracted otherwise.
Operand contract(const Operand& left, const Operand& right, const Labels& keep) {
  Labels batch, contracted, left_free, right_free;
  Shape batch_sizes, out_sizes;
  for (int label : left.labels) {
    if (!contains(right.labels, label)) {
      left_free.push_back(label);
    } else if (contains(keep, label)) {
      batch.push_back(label);
      const std::int64_t left_size = size_of(left, label);  // broadcasting 1 against 0 gives 0
      batch_sizes.push_back(left_size == 1 ? size_of(right, label) : left_size);
    } else {
      contracted.push_back(label);
    }
  }
  for (int label : right.labels)
    if (!contains(left.labels, label)) right_free.push_back(label);
  Tensor a = arrange(left, batch, batch_sizes, left_free, contracted, false);
  Tensor b = arrange(right, batch, batch_sizes, right_free, contracted, true);
  Labels labels = batch;
  out_sizes = batch_sizes;
  for (int label : left_free) {
    labels.push_back(label);
    out_sizes.push_back(size_of(left, label));
  }
  for (int label : right_free) {
    labels.push_back(label);
    out_sizes.push_back(size_of(right, label));
  }
  return {bmm(a, b).reshape(out_sizes), labels};
}

// A letter repeated within one operand ("ii->i") reads the diagonal of those dims: each repeat is
// folded into one dim (moved last) by the diagonal view, whose gradient is differentiable again.
Tensor take_diagonals(Tensor operand, Labels& labels, std::size_t index) {
  for (std::size_t first = 0; first < labels.size(); ++first) {
    for (std::size_t second = first + 1; second < labels.size();) {
      if (labels[second] != labels[first]) {
        ++second;
        continue;
      }
      const auto d1 = static_cast<std::int64_t>(first), d2 = static_cast<std::int64_t>(second);
      check(operand.size(d1) == operand.size(d2), "einsum", "subscript ", label_text(labels[first]),
            " is repeated for operand ", index, " but the sizes don't match, ", operand.size(d2),
            " != ", operand.size(d1));
      operand = diagonal(operand, 0, d1, d2);
      const int label = labels[first];
      labels.erase(labels.begin() + d2);
      labels.erase(labels.begin() + d1);
      labels.push_back(label);
      first = static_cast<std::size_t>(-1);  // positions shifted: rescan from the start
      break;
    }
  }
  return operand;
}

Labels implicit_output(const std::vector<Labels>& inputs, std::int64_t max_ellipsis_dims) {
  Labels output;
  for (std::int64_t d = 0; d < max_ellipsis_dims; ++d) output.push_back(kEllipsis + static_cast<int>(d));
  std::map<int, int> counts;
  for (const Labels& labels : inputs)
    for (int label : labels)
      if (label < kEllipsis) ++counts[label];
  for (auto [label, count] : counts)
    if (count == 1) output.push_back(label);
  return output;
}

}  // namespace

Tensor einsum(std::string_view equation, const tensor_list& tensors) {
  std::string compact;
  for (char c : equation)
    if (c != ' ') compact += c;
  const std::size_t arrow = compact.find("->");
  const std::string lhs = compact.substr(0, arrow);
  std::vector<Term> terms;
  for (std::size_t start = 0;;) {
    const std::size_t comma = lhs.find(',', start);
    terms.push_back(parse_term(equation, std::string_view(lhs).substr(start, comma - start)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  check(terms.size() == tensors.size(), "einsum", "\"", equation, "\" has ", terms.size(), " operand(s) but ",
        tensors.size(), " tensor(s) were given");

  std::int64_t max_ellipsis_dims = 0;
  std::vector<std::int64_t> ellipsis_dims(terms.size());
  for (std::size_t i = 0; i < terms.size(); ++i) {
    const std::int64_t letters = letter_count(terms[i]), rank = tensors[i].dim();
    check(terms[i].has_ellipsis ? rank >= letters : rank == letters, "einsum", "operand ", i, " has ", rank,
          " dims but its subscripts \"", terms[i].letters, "\" name ", letters);
    ellipsis_dims[i] = rank - letters;
    max_ellipsis_dims = std::max(max_ellipsis_dims, ellipsis_dims[i]);
  }

  std::vector<Operand> operands;
  std::map<int, std::pair<std::int64_t, std::size_t>> sizes;  // label -> (size, first operand)
  std::vector<Labels> input_labels;
  for (std::size_t i = 0; i < terms.size(); ++i) {
    Labels labels = term_labels(terms[i], ellipsis_dims[i], max_ellipsis_dims);
    input_labels.push_back(labels);  // as written: a repeated letter is summed in the implicit output
    const Tensor operand = take_diagonals(tensors[i], labels, i);
    for (std::size_t d = 0; d < labels.size(); ++d) {
      const int label = labels[d];
      const std::int64_t size = operand.size(static_cast<std::int64_t>(d));
      auto [entry, inserted] = sizes.try_emplace(label, size, i);
      if (inserted) continue;
      auto& [known, first] = entry->second;
      const bool broadcasts = label >= kEllipsis && (known == 1 || size == 1);
      check(known == size || broadcasts, "einsum", "subscript '", label_text(label), "' has size ", known,
            " in operand ", first, " but size ", size, " in operand ", i);
      if (known == 1) known = size;
    }
    operands.push_back({operand, labels});
  }

  Labels output;
  if (arrow == std::string::npos) {
    output = implicit_output(input_labels, max_ellipsis_dims);
  } else {
    const Term out_term = parse_term(equation, std::string_view(compact).substr(arrow + 2));
    output = term_labels(out_term, out_term.has_ellipsis ? max_ellipsis_dims : 0, max_ellipsis_dims);
    for (int label : output) {
      check(std::count(output.begin(), output.end(), label) == 1, "einsum", "output subscript '",
            label_text(label), "' appears more than once");
      check(sizes.contains(label), "einsum", "output subscript '", label_text(label),
            "' does not appear in any operand");
    }
    for (std::int64_t d = 0; d < max_ellipsis_dims; ++d)
      check(contains(output, kEllipsis + static_cast<int>(d)), "einsum",
            "the output needs \"...\" because the operands have broadcast dims");
  }

  // Left to right: sum out what no one else needs, then contract with the next operand.
  auto needed_after = [&](std::size_t i) {
    Labels keep = output;
    for (std::size_t j = i + 1; j < operands.size(); ++j)
      keep.insert(keep.end(), operands[j].labels.begin(), operands[j].labels.end());
    return keep;
  };
  Operand result = sum_out(operands[0], needed_after(0));
  for (std::size_t i = 1; i < operands.size(); ++i) {
    Labels keep = needed_after(i);
    Labels keep_right = keep;
    keep_right.insert(keep_right.end(), result.labels.begin(), result.labels.end());
    Operand right = sum_out(operands[i], keep_right);
    Labels keep_left = keep;
    keep_left.insert(keep_left.end(), right.labels.begin(), right.labels.end());
    result = contract(sum_out(result, keep_left), right, keep);
  }

  Shape order, out_sizes;
  for (int label : output) out_sizes.push_back(sizes.at(label).first);
  for (int label : output) order.push_back(dim_of(result, label));
  Tensor out = permute(result.tensor, order);
  // A broadcast dim of size 1 in every contracted result still has to reach its full size.
  return out.sizes() == out_sizes ? out : out.expand(out_sizes);
}

}  // namespace tg
