export HOME=$PWD GIT_AUTHOR_DATE='2020-01-01T00:00:00Z' GIT_COMMITTER_DATE='2020-01-01T00:00:00Z'
git config --global user.name A; git config --global user.email a@b; git config --global init.defaultBranch main
git init -q r; cd r; seq 1 10 > f; git add f; git commit -q -m first; sed -i 's/5/five/' f; git diff | tail -n +2; git commit -qam second
git log --oneline; git log --stat --format=%s | cat; git branch b; git checkout -q b; echo new > g; git add g; git commit -qm third; git checkout -q main; git merge -q --no-edit b; git log --format=%s | cat
git status --short; git show --stat HEAD | tail -2; git gc -q; echo gc=$?; git fsck 2>&1 | head -3; git rev-parse HEAD; git tag v1; git describe
git stash list; echo x >> f; git stash -q; git stash list | wc -l; git stash pop -q; git diff --stat | cat; git grep -n five
git clone -q . ../c2; cd ../c2; git log --oneline | wc -l; git archive HEAD | tar t | sort
