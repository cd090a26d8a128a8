{#- Generated from datapackages/trafficking-divorce/codebook.yaml by scripts/generate_curation.py: do not edit. -#}
{#- The raw layer of trafficking-divorce: flows.curation.ingest writes one Parquet file per landing file. -#}
{%- set raw_dir = var('raw_curation_dir', (var('raw_judgments_glob') | replace('\\', '/')).rsplit('/', 2)[0] ~ '/curation') -%}
{%- set raw_glob = (raw_dir ~ '/trafficking-divorce/*.parquet') | replace("'", "''") -%}
{%- set found = [0] -%}
{%- if execute -%}
{%- do found.append(run_query("select count(*) from glob('" ~ raw_glob ~ "')").columns[0].values()[0]) -%}
{%- endif %}

with

source as (
{% if found | max > 0 %}
    select * from read_parquet('{{ raw_glob }}', union_by_name = true)
{% else %}
    select
        cast(null as varchar) as case_id,
        cast(null as varchar) as case_number,
        cast(null as integer) as judgment_year,
        cast(null as varchar) as court_province,
        cast(null as boolean) as is_trafficking_recognised,
        cast(null as boolean) as is_divorce_granted,
        cast(null as integer) as suits_count,
        cast(null as double) as years_married,
        cast(null as varchar) as statement_excerpt,
        cast(null as varchar) as source_file,
        cast(null as bigint) as source_row,
        cast(null as varchar) as source_sha256,
        cast(null as timestamptz) as ingested_at
    where false
{% endif %}
),

renamed as (

    select
        cast(case_id as varchar) as case_id,
        cast(case_number as varchar) as case_number,
        cast(judgment_year as integer) as judgment_year,
        cast(court_province as varchar) as court_province,
        cast(is_trafficking_recognised as boolean) as is_trafficking_recognised,
        cast(is_divorce_granted as boolean) as is_divorce_granted,
        cast(suits_count as integer) as suits_count,
        cast(years_married as double) as years_married,
        -- statement_excerpt: sensitive, names after victim/witness roles redacted
        regexp_replace(regexp_replace("statement_excerpt", '(被拐卖的妇女|被拐卖的儿童|被拐卖妇女|被拐卖儿童|被收买妇女|被拐妇女|被拐儿童|被害妇女|被害儿童|受害妇女|未成年人|被害人|受害人|被监护人|证人|幼女|女童)([：:]?)(欧阳|司马|诸葛|上官|东方|皇甫|尉迟|公孙|慕容|令狐|司徒|夏侯|端木|[丁万丘丛严乐习于井付仲任伍伏何余佟侯俞倪党兰冀冉冯冷冼凌刁刘包匡华卓单卜卞卢卫古史叶司吉吕吴周唐喻夏奚姚姜姬娄孔孙孟季宁宇安宋宗官宫封尤尹屈屠岑岳崔左巩巫席庄庞廉廖张强彭徐戚戴房扬揭敖方施晋晏景曲曹曾朱李杜杨林柏查柯柳柴栗栾桂桑梁梅楚樊欧武段殷毕毛江池汤汪沈沙洪涂温游滕潘焦熊燕牛牟王甄甘田申畅白盖盛瞿石祁祝秦程穆窦章童竺符简管米糜纪练罗翁翟耿聂肖胡胥臧舒艾芦苏苑苗苟范荆莫葛董蒋蒙蓝蔡蔺薄薛虞袁裴褚覃解詹许谈谌谢谭谷费贺贾赵车辛辜边迟邓邢邬邱邵邸邹郁郎郑郜郝郭鄢金钟银闫闵阮阳陆陈陶隋雷霍靳鞠韦韩项顾颜饶马高魏鲁鲍黄黎齐龙龚])([一丂-三丌丏-丘业-丬丮-丹主-乊乌-乘乚-乞习-亅亇-亍亏-亠亢-亦亨-亹亻-仍仏-令仦-仫仭-伣伥-佒佔-侚侜-兰兲-兵典-冄円-刅切-刯刱-剌剎-匄匆-厺厼-叇叉友-叢古-史叴-吃吅-吇吉-名吏-吐吒-呉呋-呗呙-咋咍-哀哂-囝囟囡-圧圩-坆坈-士壭-夃夅-夕夗-夛夝-夨太-夳夵-奷她-宵宷-寸寺-尅將-尰尲-届屌-工巧-巰巳-平幵-庙庛-归彔-愎愐-愾慀-戉戋-戕戗-房扁-扊扌扎-扒扔-抉抋-护抦-挆挈-斸斺-旟旡-旤旦-旨旪-旵旷-昍昏-昮昰-晙晛-曽替-朇有-朩末札-杤杦-柏柑-欠欢-欽欿-正步-歺歼-汁汃-沠沢-泔泖-牨牪-甧甩-田申-痄痆-癷癹-皃皅-眻眽-眿睁-矤矦-礹礻-积秱-窖窘-筈筊-糺糼-绎绐-绘绚-耄耆-脙脛-脷脹-腾膀-臩臫-衋衍-衢衤-衧衩-袪袬-裣裥-覀覂-觿訁-讣讥-讨讪-讱讳-诀诂-诈诊-诤详-诳诵-诶诸-贡责-赯赱-跐跒-躪躬-轥轧-辚辜-迆迈-迗这-迯迱-郧郩-郼郾-釋重-钰钲-闧闩-闳闵-陇陉-靡靣-鞊鞌-骁骃-龥]{1,2})([^某]|$)', '\1\2\3某某\5', 'g'), '(被拐卖的妇女|被拐卖的儿童|被拐卖妇女|被拐卖儿童|被收买妇女|被拐妇女|被拐儿童|被害妇女|被害儿童|受害妇女|未成年人|被害人|受害人|被监护人|证人|幼女|女童)([：:]?)(欧阳|司马|诸葛|上官|东方|皇甫|尉迟|公孙|慕容|令狐|司徒|夏侯|端木|[丁万丘丛严乐习于井付仲任伍伏何余佟侯俞倪党兰冀冉冯冷冼凌刁刘包匡华卓单卜卞卢卫古史叶司吉吕吴周唐喻夏奚姚姜姬娄孔孙孟季宁宇安宋宗官宫封尤尹屈屠岑岳崔左巩巫席庄庞廉廖张强彭徐戚戴房扬揭敖方施晋晏景曲曹曾朱李杜杨林柏查柯柳柴栗栾桂桑梁梅楚樊欧武段殷毕毛江池汤汪沈沙洪涂温游滕潘焦熊燕牛牟王甄甘田申畅白盖盛瞿石祁祝秦程穆窦章童竺符简管米糜纪练罗翁翟耿聂肖胡胥臧舒艾芦苏苑苗苟范荆莫葛董蒋蒙蓝蔡蔺薄薛虞袁裴褚覃解詹许谈谌谢谭谷费贺贾赵车辛辜边迟邓邢邬邱邵邸邹郁郎郑郜郝郭鄢金钟银闫闵阮阳陆陈陶隋雷霍靳鞠韦韩项顾颜饶马高魏鲁鲍黄黎齐龙龚])([一丂-三丌丏-丘业-丬丮-丹主-乊乌-乘乚-乞习-亅亇-亍亏-亠亢-亦亨-亹亻-仍仏-令仦-仫仭-伣伥-佒佔-侚侜-兰兲-兵典-冄円-刅切-刯刱-剌剎-匄匆-厺厼-叇叉友-叢古-史叴-吃吅-吇吉-名吏-吐吒-呉呋-呗呙-咋咍-哀哂-囝囟囡-圧圩-坆坈-士壭-夃夅-夕夗-夛夝-夨太-夳夵-奷她-宵宷-寸寺-尅將-尰尲-届屌-工巧-巰巳-平幵-庙庛-归彔-愎愐-愾慀-戉戋-戕戗-房扁-扊扌扎-扒扔-抉抋-护抦-挆挈-斸斺-旟旡-旤旦-旨旪-旵旷-昍昏-昮昰-晙晛-曽替-朇有-朩末札-杤杦-柏柑-欠欢-欽欿-正步-歺歼-汁汃-沠沢-泔泖-牨牪-甧甩-田申-痄痆-癷癹-皃皅-眻眽-眿睁-矤矦-礹礻-积秱-窖窘-筈筊-糺糼-绎绐-绘绚-耄耆-脙脛-脷脹-腾膀-臩臫-衋衍-衢衤-衧衩-袪袬-裣裥-覀覂-觿訁-讣讥-讨讪-讱讳-诀诂-诈诊-诤详-诳诵-诶诸-贡责-赯赱-跐跒-躪躬-轥轧-辚辜-迆迈-迗这-迯迱-郧郩-郼郾-釋重-钰钲-闧闩-闳闵-陇陉-靡靣-鞊鞌-骁骃-龥]{1,2})([^某]|$)', '\1\2\3某某\5', 'g') as statement_excerpt,
        cast(source_file as varchar) as source_file,
        cast(source_row as bigint) as source_row,
        cast(source_sha256 as varchar) as source_sha256,
        cast(ingested_at as timestamptz) as ingested_at

    from source

)

select * from renamed
