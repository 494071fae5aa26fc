"""Code size per crate of a wasm32 link, from its name section (run on
target/wasm32-unknown-unknown/wasm-release/lockstep-frontend.wasm, before wasm-bindgen and
wasm-opt strip the names): python3 scripts/wasm_size.py FILE.wasm [TOP]"""
import sys,re,collections
b=open(sys.argv[1],'rb').read()
def leb(b,i):
    r=s=0
    while True:
        x=b[i]; i+=1; r|=(x&0x7f)<<s; s+=7
        if x<0x80: return r,i
i=8; secs={}
nimports=0; names={}; bodies=[]
while i<len(b):
    sid=b[i]; i+=1; n,i=leb(b,i); start=i
    if sid==2:
        cnt,j=leb(b,i)
        for _ in range(cnt):
            l,j=leb(b,j); j+=l; l,j=leb(b,j); j+=l
            kind=b[j]; j+=1
            if kind==0: nimports+=1; _,j=leb(b,j)
            elif kind==1: j+=1; f,j=leb(b,j); j+= 0; _,j=leb(b,j) if f&1 else (0,j)
            elif kind==2: f,j=leb(b,j); _,j=leb(b,j); (_,j)=leb(b,j) if f&1 else (0,j)
            elif kind==3: j+=2
            else: j+=2
    if sid==10:
        cnt,j=leb(b,i)
        for k in range(cnt):
            sz,j2=leb(b,j); bodies.append(sz+(j2-j)); j=j2+sz
    if sid==0:
        l,j=leb(b,i); nm=b[j:j+l].decode(); j+=l
        if nm=='name':
            while j<start+n:
                sub=b[j]; j+=1; sl,j=leb(b,j); e=j+sl
                if sub==1:
                    cnt,j=leb(b,j)
                    for _ in range(cnt):
                        idx,j=leb(b,j); l,j=leb(b,j); names[idx]=b[j:j+l].decode('utf8','replace'); j+=l
                j=e
    i=start+n
agg=collections.Counter()
tot=0
for k,sz in enumerate(bodies):
    nm=names.get(k+nimports,'?')
    # crate: first path segment after demangle-ish
    key='?'
    m=re.match(r'_ZN(\d+)(.*)',nm)
    if m:
        l=int(m.group(1)); ident=m.group(2)[:l]
        if ident.startswith('_$LT$'):
            inner=ident[5:]
            inner=inner.replace('$RF$','').replace('mut$u20$','').replace('dyn$u20$','')
            mm=re.match(r'([a-z_][a-z0-9_]*)\.\.',inner)
            key=('impl:'+mm.group(1)) if mm else 'impl?'
            # for impls of foreign traits on our types, use the type's crate
            mm2=re.search(r'\$u20\$as\$u20\$([a-z_0-9]+)\.\.',ident)
            if mm and mm.group(1) in ('core','alloc') and mm2: key='impl-on:'+mm2.group(1)
        else: key=ident
        if key in ('lockstep_core','lockstep_frontend'):
            rest=m.group(2)[l:]; mm=re.match(r'(\d+)',rest)
            if mm: key+='::'+rest[len(mm.group(1)):len(mm.group(1))+int(mm.group(1))]
    else: key=nm[:25]
    agg[key]+=sz; tot+=sz
print('total code',tot,'funcs',len(bodies),'named',len(names))
for k,v in agg.most_common(int(sys.argv[2]) if len(sys.argv)>2 else 40): print(f'{v:9d} {k}')
