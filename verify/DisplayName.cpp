// verify/DisplayName.cpp: short function names for reports (see briefName in
// Verify.h). C++ names of real programs run to thousands of characters
// (nlohmann/fmt template arguments); reports show what `perf report` and pprof
// show: the qualified name without template arguments, parameters and return
// type. The full name stays in JSON and in hover titles.
#include "verify/Verify.h"

#include "llvm/ADT/StringExtras.h"

namespace pgoctl::verify {

namespace {

bool isIdentChar(char C) { return llvm::isAlnum(C) || C == '_' || C == '$'; }

// Placeholders for "(anonymous namespace)" while parentheses are dropped.
constexpr llvm::StringLiteral kAnon = "\x01";

/// Copies an operator's name (`operator()`, `operator<<=`, `operator new[]`,
/// a conversion `operator bool`) from In at I (just after "operator").
size_t copyOperator(llvm::StringRef In, size_t I, std::string &Out) {
  // The longest operator token at I; what follows (`<char>` after `+`) is a
  // template argument list, elided like any other.
  static constexpr llvm::StringLiteral Tokens[] = {
      "<<=", ">>=", "<=>", "->*", "()", "[]", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||",
      "++",  "--",  "+=",  "-=",  "*=", "/=", "%=", "&=", "|=", "^=", "->", "<",  ">",  "+",
      "-",   "*",   "/",   "%",   "&",  "|",  "^",  "~",  "!",  "=",  ","};
  for (llvm::StringRef T : Tokens)
    if (In.substr(I).starts_with(T)) {
      Out += T;
      return I + T.size();
    }
  // `operator new`, `operator delete[]`, `operator unsigned long`: up to the
  // parameter list.
  size_t J = I;
  while (J < In.size() && In[J] != '(' && In[J] != '<')
    ++J;
  Out += llvm::StringRef(In).slice(I, J).rtrim();
  return J;
}

} // namespace

std::string briefName(llvm::StringRef Name, size_t MaxLen) {
  std::string In;
  for (size_t I = 0; I < Name.size();) {
    if (Name.substr(I).starts_with("(anonymous namespace)")) {
      In += kAnon;
      I += strlen("(anonymous namespace)");
    } else {
      In += Name[I++];
    }
  }
  std::string Out;
  int Depth = 0;
  size_t OperatorAt = std::string::npos;
  llvm::StringRef S(In);
  for (size_t I = 0; I < S.size();) {
    if (Depth == 0 && S.substr(I).starts_with("operator") && (I == 0 || !isIdentChar(S[I - 1])) &&
        (I + 8 == S.size() || !isIdentChar(S[I + 8]) || S[I + 8] == ' ')) {
      OperatorAt = Out.size();
      Out += "operator";
      I = copyOperator(S, I + 8, Out);
      continue;
    }
    char C = S[I++];
    if (C == '<' || C == '(')
      ++Depth;
    else if ((C == '>' || C == ')') && Depth > 0)
      --Depth;
    else if (Depth == 0)
      Out += C;
  }
  llvm::StringRef R = llvm::StringRef(Out).trim();
  for (bool More = true; More;) {
    More = false;
    for (llvm::StringRef Q : {" const", " volatile", " &&", " &"})
      if (R.ends_with(Q)) {
        R = R.drop_back(Q.size()).rtrim();
        More = true;
      }
  }
  // A return type is before the last space outside an operator's name.
  size_t Limit = OperatorAt == std::string::npos ? R.size() : std::min(OperatorAt, R.size());
  if (size_t Sp = R.take_front(Limit).rfind(' '); Sp != llvm::StringRef::npos)
    R = R.drop_front(Sp + 1);
  std::string Brief;
  for (char C : R)
    Brief += C == kAnon[0] ? std::string("(anon)") : std::string(1, C);
  if (Brief.empty())
    Brief = Name.str();
  if (Brief.size() > MaxLen && MaxLen > 3)
    Brief = "..." + Brief.substr(Brief.size() - (MaxLen - 3));
  return Brief;
}

} // namespace pgoctl::verify
